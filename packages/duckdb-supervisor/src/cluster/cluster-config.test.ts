import { mkdtemp, readFile, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { supervisorConfigFromEnv } from "../config.js";
import { nodeSettingsFromEnv } from "./cluster-config.js";
import { nameOf, OWNERS_PREFIX, ownerKey } from "./keys.js";
import { advertisedAddress, resolveNodeId } from "./node-id.js";

describe("nodeSettingsFromEnv", () => {
  it("is a single node without ISA_ETCD_ENDPOINTS", () => {
    expect(nodeSettingsFromEnv({})).toEqual({});
    expect(supervisorConfigFromEnv({}).cluster).toBeUndefined();
  });

  it("reads endpoints, lease TTL, node id and advertised address", () => {
    const settings = nodeSettingsFromEnv({
      ISA_ETCD_ENDPOINTS: "10.0.0.5:2379, https://etcd.example:2379,",
      ISA_ETCD_LEASE_TTL_SECONDS: "9",
      ISA_NODE_ID: "analytics-1",
      DUCKDB_ADVERTISE_ADDRESS: "10.0.0.7:50052",
    });
    expect(settings).toEqual({
      cluster: {
        endpoints: ["http://10.0.0.5:2379", "https://etcd.example:2379"],
        leaseTtlSeconds: 9,
      },
      nodeId: "analytics-1",
      advertiseAddress: "10.0.0.7:50052",
    });
  });

  it("defaults the lease TTL to 5 s and rejects bad values naming the variable", () => {
    expect(nodeSettingsFromEnv({ ISA_ETCD_ENDPOINTS: "e:1" }).cluster?.leaseTtlSeconds).toBe(5);
    expect(() =>
      nodeSettingsFromEnv({ ISA_ETCD_ENDPOINTS: "e:1", ISA_ETCD_LEASE_TTL_SECONDS: "0" }),
    ).toThrow(/ISA_ETCD_LEASE_TTL_SECONDS/);
    expect(() => nodeSettingsFromEnv({ ISA_NODE_ID: "a/b" })).toThrow(/ISA_NODE_ID/);
  });
});

describe("node identity", () => {
  it("makes a node id once and keeps it in the cache directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "node-id-"));
    try {
      const id = await resolveNodeId(dir);
      expect(id).toMatch(/-[0-9a-f]{8}$/);
      expect(await resolveNodeId(dir)).toBe(id);
      expect((await readFile(join(dir, "node-id"), "utf8")).trim()).toBe(id);
      expect(await resolveNodeId(dir, "configured")).toBe("configured");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("advertises the listen address, or the hostname for a wildcard interface", () => {
    expect(advertisedAddress("127.0.0.1", 5000)).toBe("127.0.0.1:5000");
    expect(advertisedAddress("0.0.0.0", 5000)).toBe(`${hostname()}:5000`);
    expect(advertisedAddress("0.0.0.0", 5000, "db-1:6000")).toBe("db-1:6000");
  });

  it("encodes an owner into one key segment and back", () => {
    const key = ownerKey("user:a/b c");
    expect(key).toBe(`${OWNERS_PREFIX}user%3Aa%2Fb%20c`);
    expect(nameOf(OWNERS_PREFIX, key)).toBe("user:a/b c");
  });
});
