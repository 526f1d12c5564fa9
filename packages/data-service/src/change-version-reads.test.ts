import { describe, expect, it } from "vitest";
import { ChangeVersionReads } from "./change-version-reads.js";

/** A read the test answers by hand, and the reads sent so far. */
function manualReads() {
  const sent: { resolve(v: string): void; reject(e: Error): void }[] = [];
  const read = () =>
    new Promise<string>((resolve, reject) => {
      sent.push({ resolve, reject });
    });
  return { sent, read };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("ChangeVersionReads", () => {
  it("sends a read at once for a caller who finds none in flight", async () => {
    const reads = new ChangeVersionReads<string>();
    const { sent, read } = manualReads();
    const answer = reads.read("k", read);
    expect(sent).toHaveLength(1);
    sent[0]?.resolve("v1");
    expect(await answer).toBe("v1");
    // Nothing in flight any more: the next caller reads at once again.
    const again = reads.read("k", read);
    expect(sent).toHaveLength(2);
    sent[1]?.resolve("v2");
    expect(await again).toBe("v2");
  });

  it("gives callers who arrive during a read one shared read sent after it returns", async () => {
    const reads = new ChangeVersionReads<string>();
    const { sent, read } = manualReads();
    const first = reads.read("k", read);
    const later = [reads.read("k", read), reads.read("k", read), reads.read("k", read)];
    // Never the read in flight: it was sent before they arrived.
    expect(sent).toHaveLength(1);
    sent[0]?.resolve("before");
    expect(await first).toBe("before");
    await tick();
    expect(sent).toHaveLength(2);
    // Arriving while the second is in flight: a third, not the second.
    const last = reads.read("k", read);
    sent[1]?.resolve("after");
    expect(await Promise.all(later)).toEqual(["after", "after", "after"]);
    await tick();
    expect(sent).toHaveLength(3);
    sent[2]?.resolve("latest");
    expect(await last).toBe("latest");
  });

  it("keeps keys apart", async () => {
    const reads = new ChangeVersionReads<string>();
    const alice = manualReads();
    const bob = manualReads();
    const a = reads.read("alice-token\ndb", alice.read);
    const b = reads.read("bob-token\ndb", bob.read);
    expect([alice.sent.length, bob.sent.length]).toEqual([1, 1]);
    alice.sent[0]?.resolve("a");
    bob.sent[0]?.resolve("b");
    expect([await a, await b]).toEqual(["a", "b"]);
  });

  it("fails those who shared a failed read, and reads anew after it", async () => {
    const reads = new ChangeVersionReads<string>();
    const { sent, read } = manualReads();
    const first = reads.read("k", read);
    const joined = reads.read("k", read);
    sent[0]?.reject(new Error("unavailable"));
    await expect(first).rejects.toThrow("unavailable");
    await tick();
    sent[1]?.reject(new Error("still unavailable"));
    await expect(joined).rejects.toThrow("still unavailable");
    const fresh = reads.read("k", read);
    expect(sent).toHaveLength(3);
    sent[2]?.resolve("v");
    expect(await fresh).toBe("v");
  });
});
