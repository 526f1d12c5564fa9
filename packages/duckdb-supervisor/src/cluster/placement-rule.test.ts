import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { FORWARDED_HEADER, forwardedBy, markForwarded } from "./loop-guard.js";
import { decide, type Holder } from "./placement-rule.js";

const self = { nodeId: "n1", lease: "100" };
const held = (nodeId: string, lease = "7"): Holder => ({ nodeId, lease, revision: 5n });

describe("decide", () => {
  it("claims an owner nobody holds, even for a forwarded call", () => {
    expect(decide(undefined, self, false)).toEqual({ action: "acquire" });
    expect(decide(undefined, self, true)).toEqual({ action: "acquire" });
  });

  it("serves an owner held under this node's current lease", () => {
    expect(decide(held("n1", "100"), self, false)).toEqual({ action: "serve" });
    expect(decide(held("n1", "100"), self, true)).toEqual({ action: "serve" });
  });

  it("claims afresh an owner this node held under an older lease", () => {
    expect(decide(held("n1", "99"), self, false)).toEqual({ action: "acquire" });
  });

  it("forwards a direct call to the holder", () => {
    expect(decide(held("n2"), self, false)).toEqual({ action: "forward", nodeId: "n2" });
  });

  it("refuses a forwarded call for another node's owner instead of forwarding it again", () => {
    const decision = decide(held("n2"), self, true);
    expect(decision.action).toBe("refuse");
  });

  it("refuses everything while the node has no lease", () => {
    const fenced = { nodeId: "n1", lease: undefined };
    for (const holder of [undefined, held("n1", "100"), held("n2")]) {
      expect(decide(holder, fenced, false).action).toBe("refuse");
    }
  });
});

describe("loop guard header", () => {
  it("marks a forwarded call with the forwarding node and reads it back", () => {
    const md = new Metadata();
    expect(forwardedBy(md)).toBeUndefined();
    markForwarded(md, "n1");
    expect(md.get(FORWARDED_HEADER)).toEqual(["n1"]);
    expect(forwardedBy(md)).toBe("n1");
  });
});
