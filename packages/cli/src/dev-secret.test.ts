import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { devSecretPath, ensureDevSecret, readDevSecret } from "./dev-secret.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-secret-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ensureDevSecret", () => {
  it("creates a random secret readable by the owner only on first run", async () => {
    const dataDir = join(dir, "data");
    const { secret, created } = await ensureDevSecret(dataDir);
    expect(created).toBe(true);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(devSecretPath(dataDir))).mode & 0o777).toBe(0o600);
    expect((await readFile(devSecretPath(dataDir), "utf8")).trim()).toBe(secret);
  });

  it("returns the same secret on later runs", async () => {
    const first = await ensureDevSecret(dir);
    const second = await ensureDevSecret(dir);
    expect(second).toEqual({ secret: first.secret, created: false });
  });

  it("refuses a secret file other users can read", async () => {
    await ensureDevSecret(dir);
    await chmod(devSecretPath(dir), 0o644);
    await expect(ensureDevSecret(dir)).rejects.toThrow(/chmod 600/);
  });

  it("refuses a secret too short to sign with", async () => {
    await writeFile(devSecretPath(dir), "short\n", { mode: 0o600 });
    await expect(readDevSecret(dir)).rejects.toThrow(/no usable secret/);
  });

  it("reads nothing where there is no secret", async () => {
    expect(await readDevSecret(join(dir, "missing"))).toBeUndefined();
  });
});
