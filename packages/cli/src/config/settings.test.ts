import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../test/memory-io.js";
import { run } from "../program.js";
import { configPath, updateProfile } from "./config-file.js";
import { resolveSettings, subjectOf, tokenFor } from "./settings.js";

let dir: string;
let env: Record<string, string | undefined>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-settings-"));
  env = { XDG_CONFIG_HOME: join(dir, "config"), ISA_JWT_SECRET: "s".repeat(40) };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("settings", () => {
  it("live in $XDG_CONFIG_HOME/isa/config.json, else ~/.config, mode 0600", async () => {
    const { io } = memoryIo(env, dir);
    expect(configPath(io)).toBe(join(dir, "config", "isa", "config.json"));
    expect(configPath(memoryIo({ HOME: "/home/me" }).io)).toBe("/home/me/.config/isa/config.json");
    await updateProfile(io, "local", { storage: "127.0.0.1:1" });
    expect((await stat(configPath(io))).mode & 0o777).toBe(0o600);
  });

  it("take flags over environment over profile over defaults, and say where each came from", async () => {
    const { io } = memoryIo(env, dir);
    await updateProfile(io, "p", { storage: "profile:1", analytics: "profile:2", bucket: "b1" });
    let s = await resolveSettings(io, {});
    expect(s.storage).toEqual({ value: "profile:1", source: "profile p" });
    expect(s.api.source).toBe("default");
    io.env.ISA_STORAGE_ADDRESS = "env:1";
    s = await resolveSettings(io, {});
    expect(s.storage).toEqual({ value: "env:1", source: "env ISA_STORAGE_ADDRESS" });
    expect(s.warnings).toContain(
      "ISA_STORAGE_ADDRESS=env:1 overrides storage of profile p (profile:1)",
    );
    s = await resolveSettings(io, { storage: "flag:1" });
    expect(s.storage).toEqual({ value: "flag:1", source: "flag --storage" });
    expect(s.warnings).toContain("--storage flag:1 overrides ISA_STORAGE_ADDRESS=env:1");
  });

  it("read the guide's MINIO_GRPC_HOST/PORT as the storage address", async () => {
    const { io } = memoryIo({ ...env, MINIO_GRPC_HOST: "0.0.0.0", MINIO_GRPC_PORT: "5" }, dir);
    expect((await resolveSettings(io, {})).storage.value).toBe("127.0.0.1:5");
  });

  it("let --user win over ISA_TOKEN, with a warning", async () => {
    const { io } = memoryIo({ ...env, ISA_TOKEN: "a.b.c" }, dir);
    const s = await resolveSettings(io, { user: "bob" });
    expect(s.warnings).toEqual(["--user bob overrides ISA_TOKEN (minting a token for bob)"]);
    expect(subjectOf(await tokenFor(io, s))).toBe("bob");
    const plain = await resolveSettings(io, {});
    expect(await tokenFor(io, plain)).toBe("a.b.c");
  });

  it("choose the profile by --profile, then ISA_PROFILE, then the current one", async () => {
    const { io } = memoryIo(env, dir);
    await updateProfile(io, "a", { storage: "a:1" });
    await updateProfile(io, "b", { storage: "b:1" });
    expect((await resolveSettings(io, {})).profile).toBe("a");
    io.env.ISA_PROFILE = "b";
    expect((await resolveSettings(io, {})).profile).toBe("b");
    expect((await resolveSettings(io, { profile: "a" })).profile).toBe("a");
  });

  it("name a profile that does not exist, and the ones that do (exit 2)", async () => {
    const { io, err } = memoryIo(env, dir);
    await updateProfile(io, "local", { storage: "x:1" });
    expect(await run(["ls", "--profile", "prod"], io)).toBe(2);
    expect(err()).toContain('no profile "prod" (flag --profile)');
    expect(err()).toContain("profiles: local");
    const viaEnv = memoryIo({ ...env, ISA_PROFILE: "nope" }, dir);
    expect(await run(["ls"], viaEnv.io)).toBe(2);
    expect(viaEnv.err()).toContain('no profile "nope" (env ISA_PROFILE)');
  });

  it("refuse a config file it cannot read, saying what to do", async () => {
    const { io, err } = memoryIo(env, dir);
    await updateProfile(io, "x", {});
    await writeFile(configPath(io), "{ not json");
    expect(await run(["config", "show"], io)).toBe(2);
    expect(err()).toContain("is not a valid isa config");
  });

  it("config set, unset, use, list and show", async () => {
    const { io, out } = memoryIo(env, dir);
    expect(await run(["config", "set", "storage", "h:1", "--profile", "one"], io)).toBe(0);
    expect(await run(["config", "set", "storage", "h:2", "--profile", "two"], io)).toBe(0);
    expect(await run(["config", "use", "two"], io)).toBe(0);
    expect(await run(["config", "unset", "storage"], io)).toBe(0);
    expect(await run(["config", "list"], io)).toBe(0);
    expect(out()).toMatch(/\* two/);
    expect(JSON.parse(await readFile(configPath(io), "utf8"))).toMatchObject({
      current: "two",
      profiles: { one: { storage: "h:1" }, two: {} },
    });
    const shown = memoryIo(env, dir);
    expect(await run(["config", "show", "--json"], shown.io)).toBe(0);
    expect(JSON.parse(shown.out())).toMatchObject({
      settings: { profile: { value: "two" }, storage: { source: "default" } },
    });
    const bad = memoryIo(env, dir);
    expect(await run(["config", "set", "colour", "red"], bad.io)).toBe(2);
    expect(bad.err()).toContain('"colour" is not a profile setting');
    expect(await run(["config", "use", "three"], bad.io)).toBe(2);
    expect(await run(["login", "--profile", "bad name"], bad.io)).toBe(2);
  });
});
