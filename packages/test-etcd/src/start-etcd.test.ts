import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { startEtcd } from "./start-etcd.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "test-etcd-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it("says how to install etcd when the program is missing", async () => {
  await expect(startEtcd({ dataDir: dir, bin: join(dir, "no-etcd") })).rejects.toThrow(
    "run `bash scripts/install-system-deps.sh`",
  );
});
