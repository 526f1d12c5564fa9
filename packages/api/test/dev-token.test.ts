import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./test-app.js";

// One-click dev sign-in for the console: only with a dev secret, only on loopback.
let api: TestApp | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function signIn(base: string, userId: unknown) {
  return fetch(`${base}/api/v1/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user_id: userId }),
  });
}

describe("dev sign-in", () => {
  it("is off with a configured secret, saying to paste a token", async () => {
    api = await startTestApp();
    const base = await api.listen();
    const status = await (await fetch(`${base}/api/v1/dev/token`)).json();
    expect(status).toMatchObject({ available: false, reason: expect.stringMatching(/isa token/) });
    expect((await signIn(base, "alice")).status).toBe(404);
  });

  it("mints a working token on loopback when the secret is the embedded default's", async () => {
    api = await startTestApp({ devSignIn: true });
    const base = await api.listen();
    expect(await (await fetch(`${base}/api/v1/dev/token`)).json()).toEqual({ available: true });
    const minted = await signIn(base, "alice");
    expect(minted.status).toBe(201);
    expect(minted.headers.get("cache-control")).toBe("no-store");
    const { token } = (await minted.json()) as { token: string };
    const files = await fetch(`${base}/api/v1/data/files`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(files.status).toBe(200);
  });

  it("refuses a bad user id with 400", async () => {
    api = await startTestApp({ devSignIn: true });
    const base = await api.listen();
    for (const bad of ["", 42, "x".repeat(5000)]) {
      expect((await signIn(base, bad)).status).toBe(400);
    }
  });
});
