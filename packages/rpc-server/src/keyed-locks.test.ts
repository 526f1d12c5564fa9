import { describe, expect, it } from "vitest";
import { KeyedMutex, KeyedRwLock } from "./keyed-locks.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("KeyedMutex", () => {
  it("runs holders of one key one at a time, in order, and other keys alongside", async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const job = (key: string, name: string) =>
      mutex.run(key, async () => {
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
      });
    await Promise.all([job("k", "1"), job("k", "2"), job("other", "3")]);
    expect(log.indexOf("end 1")).toBeLessThan(log.indexOf("start 2"));
    expect(log.indexOf("start 3")).toBeLessThan(log.indexOf("end 1"));
  });

  it("releases the key when a holder throws", async () => {
    const mutex = new KeyedMutex();
    await expect(mutex.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    await expect(mutex.run("k", async () => "next")).resolves.toBe("next");
  });
});

describe("KeyedRwLock", () => {
  it("shares among readers and excludes a writer, serving waiters in arrival order", async () => {
    const lock = new KeyedRwLock();
    const log: string[] = [];
    const hold = (name: string, write: boolean) =>
      (write ? lock.exclusive.bind(lock) : lock.shared.bind(lock))("b", async () => {
        log.push(`start ${name}`);
        await tick();
        await tick();
        log.push(`end ${name}`);
      });
    await Promise.all([hold("r1", false), hold("r2", false), hold("w", true), hold("r3", false)]);
    expect(log.slice(0, 2).sort()).toEqual(["start r1", "start r2"]);
    expect(log.indexOf("start w")).toBeGreaterThan(log.indexOf("end r1"));
    expect(log.indexOf("start w")).toBeGreaterThan(log.indexOf("end r2"));
    expect(log.indexOf("start r3")).toBeGreaterThan(log.indexOf("end w"));
  });
});
