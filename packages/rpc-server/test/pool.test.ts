import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createChannelPool, createIsaClient } from "@isa-cloud/rpc/client";
import { createChannel, createClient, Metadata } from "nice-grpc";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "../src/index.js";
import { type Fixture, secret, startFixture } from "./fixture.js";

/** Calls per client port: one port is one TCP connection the server accepted. */
function callsPerConnection(peers: string[]): number[] {
  const counts = new Map<string, number>();
  for (const peer of peers) counts.set(peer, (counts.get(peer) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => a - b);
}

describe("channel pool", () => {
  let fixture: Fixture;
  let other: Fixture;
  let token: string;

  beforeAll(async () => {
    fixture = await startFixture();
    other = await startFixture();
    token = await signToken({ secret, sub: "alice" });
  });
  afterEach(() => {
    fixture.state.peers.length = 0;
    other.state.peers.length = 0;
  });
  afterAll(async () => {
    await fixture.server.shutdown();
    await other.server.shutdown();
  });

  it("shares one connection between plain channels with identical options (why the pool opts out)", async () => {
    const channels = [1, 2, 3].map(() => createChannel(fixture.address));
    const metadata = { metadata: Metadata({ authorization: `Bearer ${token}` }) };
    for (const channel of channels)
      await createClient(MinIOServiceDefinition, channel).listBuckets({}, metadata);
    for (const channel of channels) channel.close();
    expect(callsPerConnection(fixture.state.peers)).toEqual([3]);
  });

  it("opens poolSize real connections and takes them in turn (round-robin)", async () => {
    const client = createIsaClient(MinIOServiceDefinition, {
      address: fixture.address,
      token,
      poolSize: 4,
    });
    for (let i = 0; i < 8; i++) await client.listBuckets({});
    client.close();
    expect(callsPerConnection(fixture.state.peers)).toEqual([2, 2, 2, 2]);
  });

  it("opens poolSize real connections and sends each call to the least busy one", async () => {
    const client = createIsaClient(MinIOServiceDefinition, {
      address: fixture.address,
      token,
      poolSize: 4,
      balance: "least-busy",
    });
    // Eight slow calls at once: each new call goes to a connection with the fewest in flight.
    await Promise.all(Array.from({ length: 8 }, () => client.listBuckets({ prefix: "sleep:100" })));
    client.close();
    expect(callsPerConnection(fixture.state.peers)).toEqual([2, 2, 2, 2]);
  });

  it("counts calls in flight per channel and frees them when calls end", async () => {
    const pool = createChannelPool({
      addresses: [fixture.address],
      poolSize: 2,
      balance: "least-busy",
    });
    const client = createClient(MinIOServiceDefinition, pool as never);
    const metadata = Metadata({ authorization: `Bearer ${token}` });
    const started = new Promise<void>((resolve) => {
      let n = 0;
      fixture.state.onSleepStarted = () => {
        if (++n === 3) resolve();
      };
    });
    const calls = [1, 2, 3].map(() => client.listBuckets({ prefix: "sleep:200" }, { metadata }));
    await started;
    expect(
      pool
        .stats()
        .map((s) => s.inFlight)
        .sort(),
    ).toEqual([1, 2]);
    await Promise.all(calls);
    fixture.state.onSleepStarted = undefined;
    expect(pool.stats().map((s) => s.inFlight)).toEqual([0, 0]);
    expect(pool.stats().every((s) => s.state === "READY")).toBe(true);
    pool.close();
  });

  it("spreads calls over a list of addresses, poolSize connections each", async () => {
    const client = createIsaClient(MinIOServiceDefinition, {
      address: [fixture.address, other.address],
      token,
      poolSize: 2,
    });
    for (let i = 0; i < 8; i++) await client.listBuckets({});
    client.close();
    expect(callsPerConnection(fixture.state.peers)).toEqual([2, 2]);
    expect(callsPerConnection(other.state.peers)).toEqual([2, 2]);
  });

  it("steers calls away from an address that is down while another is up", async () => {
    const client = createIsaClient(MinIOServiceDefinition, {
      address: ["127.0.0.1:1", fixture.address],
      token,
      retry: { baseDelayMs: 10 },
    });
    for (let i = 0; i < 6; i++) expect((await client.listBuckets({})).success).toBe(true);
    client.close();
    expect(fixture.state.peers).toHaveLength(6);
  });

  it("rejects a pool size below one", () => {
    expect(() => createChannelPool({ addresses: ["127.0.0.1:1"], poolSize: 0 })).toThrow(
      /poolSize/,
    );
  });
});
