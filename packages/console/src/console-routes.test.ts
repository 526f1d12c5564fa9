import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleRoutes } from "./console-routes.js";
import { consoleDistPath } from "./dist-path.js";

const app = Fastify();

beforeAll(async () => {
  if (!existsSync(join(consoleDistPath, "index.html"))) {
    throw new Error("the console is not built: run `pnpm --filter @isa-cloud/console build` first");
  }
  await app.register(consoleRoutes, { prefix: "/console" });
});

afterAll(() => app.close());

describe("consoleRoutes", () => {
  it("sends /console to /console/, where the page is, revalidated on every load", async () => {
    const bare = await app.inject("/console");
    expect(bare.statusCode).toBe(302);
    expect(bare.headers.location).toBe("/console/");
    const page = await app.inject("/console/");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["cache-control"]).toBe("no-cache");
    expect(page.body).toContain('src="/console/assets/');
  });

  it("caches hashed assets for a year as immutable", async () => {
    const asset = readdirSync(join(consoleDistPath, "assets")).find((name) => name.endsWith(".js"));
    const response = await app.inject(`/console/assets/${asset}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it("answers 404 for a file that is not there", async () => {
    expect((await app.inject("/console/assets/missing-0123456789.js")).statusCode).toBe(404);
  });
});
