import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type EtcdServer, startEtcd } from "../../src/index.js";

let dir: string;
let etcd: EtcdServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "test-etcd-"));
});
afterEach(async () => {
  await etcd?.stop();
  await rm(dir, { recursive: true, force: true });
});

const health = (endpoint: string) =>
  fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.json());

it("starts an etcd that answers on its endpoint, its data in the given directory", async () => {
  etcd = await startEtcd({ dataDir: dir });
  expect(etcd.endpoints).toEqual([etcd.endpoint]);
  expect(await health(etcd.endpoint)).toMatchObject({ health: "true" });
  expect(await readdir(dir)).toEqual(["etcd"]);
});

it("is unreachable while paused and answers again once resumed", async () => {
  etcd = await startEtcd({ dataDir: dir });
  etcd.pause();
  await expect(health(etcd.endpoint)).rejects.toThrow();
  etcd.resume();
  expect(await health(etcd.endpoint)).toMatchObject({ health: "true" });
});

it("stops the process (twice is fine)", async () => {
  etcd = await startEtcd({ dataDir: dir });
  const { pid } = etcd;
  await etcd.stop();
  await etcd.stop();
  expect(() => process.kill(pid, 0)).toThrow();
});
