import { describe, expect, it } from "vitest";
import { MAX_SCROLL_PX, RowStore, viewport } from "./row-store.js";

describe("RowStore", () => {
  it("reads any row across the pages it was given, in column order", () => {
    const store = new RowStore();
    store.appendObjects([
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ]);
    store.appendObjects([{ a: 3, b: "z" }]);
    expect(store.size).toBe(3);
    expect(store.columns).toEqual(["a", "b"]);
    expect(store.row(0)).toEqual([1, "x"]);
    expect(store.row(2)).toEqual([3, "z"]);
    expect(store.row(3)).toBeUndefined();
    expect(store.row(-1)).toBeUndefined();
  });

  it("finds rows in a hundred thousand pages of varying length", () => {
    const store = new RowStore();
    let next = 0;
    for (let page = 0; page < 100_000; page++) {
      const rows = Array.from({ length: 1 + (page % 7) }, () => ({ i: next++ }));
      store.appendObjects(rows);
    }
    for (const index of [0, 1, 12_345, next - 1]) expect(store.row(index)).toEqual([index]);
  });

  it("adds a column first seen in a later row, NULL in the rows before", () => {
    const store = new RowStore();
    store.appendObjects([{ a: 1 }, { a: 2, b: true }]);
    expect(store.row(1)).toEqual([2, true]);
    expect(store.row(0)).toEqual([1]);
  });
});

describe("viewport", () => {
  it("draws the visible rows and the overscan around them", () => {
    const view = viewport(2400, 480, 24, 100_000, 5);
    expect(view.first).toBe(95);
    expect(view.last).toBe(100 + 21 + 5);
    expect(view.offset).toBe(95 * 24);
    expect(view.contentHeight).toBe(2_400_000);
  });

  it("stops at the ends", () => {
    expect(viewport(-50, 480, 24, 10).first).toBe(0);
    expect(viewport(0, 480, 24, 10).last).toBe(10);
    expect(viewport(10_000, 480, 24, 0)).toEqual({
      contentHeight: 0,
      first: 0,
      last: 0,
      offset: 0,
    });
  });

  it("caps the scroll area for a million rows and still reaches the last row", () => {
    const rowHeight = 24;
    const total = 1_000_000;
    const top = viewport(0, 480, rowHeight, total);
    expect(top.contentHeight).toBe(MAX_SCROLL_PX);
    expect(top.first).toBe(0);
    const bottom = viewport(MAX_SCROLL_PX, 480, rowHeight, total);
    expect(bottom.last).toBe(total);
    const middle = viewport((MAX_SCROLL_PX - 480) / 2, 480, rowHeight, total, 0);
    expect(middle.first).toBe(Math.floor((total - 20) / 2));
  });
});
