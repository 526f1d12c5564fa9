import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await (await h.analytics("alice")).createDatabase("analytics");
});
afterAll(() => h?.close());

/** Everything the server sends until it closes the connection (or 10 s pass). */
async function exchange(send: (socket: Socket) => void): Promise<Buffer> {
  const socket = connect(h.port, "127.0.0.1");
  const chunks: Buffer[] = [];
  socket.on("data", (d) => chunks.push(d));
  await new Promise((r) => socket.once("connect", r));
  send(socket);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("the server did not close the connection")),
      10_000,
    );
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on("error", () => {});
  });
  return Buffer.concat(chunks);
}

function startupMessage(params: Record<string, string>): Buffer {
  const body = Buffer.from(
    `${Object.entries(params)
      .map(([k, v]) => `${k}\0${v}\0`)
      .join("")}\0`,
  );
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, body]);
}

describe("bad input", () => {
  it("answers a garbage start-up packet with a FATAL error and closes", async () => {
    const reply = await exchange((s) => s.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    expect(String.fromCharCode(reply[0]!)).toBe("E");
    expect(reply.toString()).toContain("08P01");
  });

  it("closes a connection whose message is larger than the limit, before buffering it", async () => {
    const reply = await exchange((s) => {
      s.write(startupMessage({ user: "alice", database: "analytics" }));
      const header = Buffer.alloc(5);
      header.write("p", 0);
      header.writeInt32BE(100 * 1024 * 1024, 1);
      s.write(header);
      s.write(Buffer.alloc(64 * 1024));
    });
    expect(reply.toString()).toContain("54000");
    expect(reply.toString()).toContain("exceeds the gateway's limit");
  });

  it("stops the query on the server when the client disconnects mid-query", async () => {
    const analytics = await h.analytics("alice");
    const c = await h.connect("alice", "analytics");
    const running = c.query("SELECT count(*) FROM range(100000000000) a").catch((e) => e);
    const busy = async () =>
      (await analytics.getMetrics({ databaseId: "analytics" })).activeConnections;
    for (let i = 0; i < 50 && (await busy()) === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await busy()).toBeGreaterThan(0);
    (c as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
    await running;
    let active = await busy();
    for (let i = 0; i < 100 && active > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      active = await busy();
    }
    expect(active).toBe(0);
    expect((await analytics.query("analytics", "SELECT 7 AS x")).rows).toEqual([{ x: 7 }]);
  });
});
