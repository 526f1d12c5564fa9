import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { callerToken, runWithCallerToken } from "./caller-token.js";

describe("caller token", () => {
  it("is undefined outside any scope", () => {
    expect(callerToken()).toBeUndefined();
  });

  it("keeps two concurrent scopes apart across awaits and timers", async () => {
    const seen = (token: string, waitMs: number) =>
      runWithCallerToken(token, async () => {
        const before = callerToken();
        await sleep(waitMs);
        const afterTimer = callerToken();
        await Promise.resolve();
        return [before, afterTimer, callerToken()];
      });
    // The first scope sleeps longer, so the second starts and ends while it waits.
    const [alice, bob] = await Promise.all([seen("alice", 20), seen("bob", 1)]);
    expect(alice).toEqual(["alice", "alice", "alice"]);
    expect(bob).toEqual(["bob", "bob", "bob"]);
    expect(callerToken()).toBeUndefined();
  });

  it("lets a nested scope override the outer one and restores the outer one after it", async () => {
    await runWithCallerToken("outer", async () => {
      const inner = await runWithCallerToken("inner", async () => {
        await sleep(1);
        return callerToken();
      });
      expect(inner).toBe("inner");
      expect(callerToken()).toBe("outer");
    });
  });

  it("returns what the function returns", () => {
    expect(runWithCallerToken("t", () => 42)).toBe(42);
  });
});
