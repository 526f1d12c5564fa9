/**
 * Rows of a result as they stream in, held as arrays of values in column order (less
 * memory than one object per row: a million rows of a few columns stay well under the
 * browser's limits). Rows arrive in pages; the grid reads any index at any time.
 */
export class RowStore {
  readonly columns: string[] = [];
  private readonly pages: unknown[][][] = [];
  /** Index of each page's first row, for a binary search by row index. */
  private readonly starts: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds a page of row objects; the first row that has a new key adds that column. */
  appendObjects(rows: readonly unknown[]): void {
    const page: unknown[][] = [];
    for (const row of rows) {
      const record = row as Record<string, unknown>;
      // The API sends every column in every row: look for new keys only when counts differ.
      if (page.length === 0 || Object.keys(record).length !== this.columns.length) {
        for (const key in record) if (!this.columns.includes(key)) this.columns.push(key);
      }
      page.push(this.columns.map((name) => record[name] ?? null));
    }
    if (page.length > 0) {
      this.starts.push(this.count);
      this.pages.push(page);
      this.count += page.length;
    }
  }

  /** Row `index` (0-based) as values in column order, or undefined past the end. */
  row(index: number): unknown[] | undefined {
    if (index < 0 || index >= this.count) return undefined;
    const page = this.pageOf(index);
    return this.pages[page]?.[index - (this.starts[page] ?? 0)];
  }

  private pageOf(index: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= index) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/**
 * Browsers stop growing an element at about 33 million pixels (Chromium) or less; the
 * scroll area is capped below that and a scroll position maps proportionally to a row.
 */
export const MAX_SCROLL_PX = 15_000_000;

export interface Viewport {
  /** Height of the scroll area's content, at most MAX_SCROLL_PX. */
  contentHeight: number;
  /** First row to draw. */
  first: number;
  /** One past the last row to draw. */
  last: number;
  /** Where the first drawn row goes, in content pixels. */
  offset: number;
}

/**
 * Which rows of `total` (each `rowHeight` px) to draw for a scroll position: the visible
 * ones and `overscan` more on each side.
 */
export function viewport(
  scrollTop: number,
  viewHeight: number,
  rowHeight: number,
  total: number,
  overscan = 8,
): Viewport {
  const natural = total * rowHeight;
  const contentHeight = Math.min(natural, MAX_SCROLL_PX);
  const maxScroll = Math.max(contentHeight - viewHeight, 0);
  const top = Math.min(Math.max(scrollTop, 0), maxScroll);
  // Scaled: the fraction scrolled picks the first visible row, so the end is reachable.
  const firstVisible =
    natural <= MAX_SCROLL_PX || maxScroll === 0
      ? Math.floor(top / rowHeight)
      : Math.floor((top / maxScroll) * Math.max(total - viewHeight / rowHeight, 0));
  const visibleRows = Math.ceil(viewHeight / rowHeight) + 1;
  const first = Math.max(firstVisible - overscan, 0);
  const last = Math.min(firstVisible + visibleRows + overscan, total);
  // Scaled, the first visible row sits at the top of the view; the rows drawn above it
  // may start above the content's top edge, where they are clipped.
  const offset =
    natural <= MAX_SCROLL_PX ? first * rowHeight : top - (firstVisible - first) * rowHeight;
  return { contentHeight, first, last, offset };
}
