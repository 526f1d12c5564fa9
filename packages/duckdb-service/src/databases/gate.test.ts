import { describe, expect, it } from "vitest";
import { Gate } from "./gate.js";

describe("Gate", () => {
  it("lets shared holders in together and keeps exclusive out until they leave", async () => {
    const gate = new Gate();
    const a = await gate.acquireShared();
    const b = await gate.acquireShared();
    expect(gate.tryExclusive()).toBeUndefined();
    let exclusiveGranted = false;
    const exclusive = gate.acquireExclusive().then((release) => {
      exclusiveGranted = true;
      return release;
    });
    a();
    await Promise.resolve();
    expect(exclusiveGranted).toBe(false);
    b();
    const release = await exclusive;
    expect(exclusiveGranted).toBe(true);
    release();
    expect(gate.busy).toBe(false);
  });

  it("queues new shared holders behind a waiting exclusive one", async () => {
    const gate = new Gate();
    const first = await gate.acquireShared();
    const order: string[] = [];
    const exclusive = gate.acquireExclusive().then((release) => {
      order.push("exclusive");
      release();
    });
    const shared = gate.acquireShared().then((release) => {
      order.push("shared");
      release();
    });
    first();
    await Promise.all([exclusive, shared]);
    expect(order).toEqual(["exclusive", "shared"]);
  });

  it("ignores a second release of the same hold", async () => {
    const gate = new Gate();
    const release = await gate.acquireShared();
    const other = await gate.acquireShared();
    release();
    release();
    expect(gate.busy).toBe(true);
    other();
    expect(gate.busy).toBe(false);
  });
});
