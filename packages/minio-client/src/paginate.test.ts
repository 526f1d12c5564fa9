import { describe, expect, it } from "vitest";
import { paginate } from "./paginate.js";

describe("paginate", () => {
  it("walks every page in order, passing each next token back", async () => {
    const tokens: Array<string | undefined> = [];
    const pages: Record<string, { items: number[]; nextToken?: string }> = {
      start: { items: [1, 2], nextToken: "a" },
      a: { items: [3], nextToken: "b" },
      b: { items: [4, 5] },
    };
    const items: number[] = [];
    for await (const item of paginate(async (token) => {
      tokens.push(token);
      return pages[token ?? "start"]!;
    })) {
      items.push(item);
    }
    expect(items).toEqual([1, 2, 3, 4, 5]);
    expect(tokens).toEqual([undefined, "a", "b"]);
  });

  it("fetches the next page only when the consumer gets there", async () => {
    let fetched = 0;
    for await (const item of paginate(async () => {
      fetched++;
      return { items: [fetched], nextToken: `t${fetched}` };
    })) {
      if (item === 2) break;
    }
    expect(fetched).toBe(2);
  });

  it("passes empty pages through while the token says there is more", async () => {
    const items: number[] = [];
    for await (const item of paginate(async (token) =>
      token === undefined ? { items: [], nextToken: "x" } : { items: [7], nextToken: "" },
    )) {
      items.push(item);
    }
    expect(items).toEqual([7]);
  });

  it("rejects a server that repeats a continuation token instead of looping", async () => {
    const walk = async () => {
      for await (const _ of paginate(async () => ({ items: [1], nextToken: "same" }))) {
        // consume
      }
    };
    await expect(walk()).rejects.toThrow(/twice/);
  });
});
