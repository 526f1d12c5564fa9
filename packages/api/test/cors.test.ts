import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiConfigFromEnv } from "../src/config.js";
import { startTestApp, type TestApp } from "./test-app.js";

// CORS over a real socket: a browser's preflight from an allowed origin and from another.
let stack: TestApp;
let url: string;
const ALLOWED = "https://console.example.com";

function preflight(origin: string) {
  return fetch(`${url}/api/v1/data/files/a.csv`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "PUT",
      "access-control-request-headers": "authorization, if-match",
    },
  });
}

beforeAll(async () => {
  stack = await startTestApp({ cors: [ALLOWED] });
  url = await stack.listen();
});

afterAll(async () => {
  await stack?.close();
});

describe("CORS", () => {
  it("allows a preflight from a listed origin, with the headers files need", async () => {
    const res = await preflight(ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(res.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(res.headers.get("access-control-allow-headers")).toContain("if-match");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("exposes ETag to the page on an actual request, even a refused one", async () => {
    const res = await fetch(`${url}/api/v1/data/files`, { headers: { origin: ALLOWED } });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(res.headers.get("access-control-expose-headers")).toContain("etag");
  });

  it("gives another origin no Access-Control-Allow-Origin", async () => {
    const res = await preflight("https://evil.example.com");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const get = await fetch(`${url}/healthz`, { headers: { origin: "https://evil.example.com" } });
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("API_CORS_ORIGINS", () => {
  it("reads a comma-separated list of origins", () => {
    const config = apiConfigFromEnv({ API_CORS_ORIGINS: `${ALLOWED}, http://localhost:5173` });
    expect(config.corsOrigins).toEqual([ALLOWED, "http://localhost:5173"]);
    expect(apiConfigFromEnv({}).corsOrigins).toBeUndefined();
  });

  it.each(["https://a.example.com/", "https://a.example.com/path", "ftp://a.example.com", "*"])(
    "refuses %s, naming the variable",
    (value) => {
      expect(() => apiConfigFromEnv({ API_CORS_ORIGINS: value })).toThrow(
        expect.objectContaining({ variable: "API_CORS_ORIGINS" }),
      );
    },
  );
});
