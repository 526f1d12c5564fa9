// biome-ignore-all lint/a11y/useSemanticElements: a virtualized grid positions a window of rows; ARIA grid roles on divs are the WAI-ARIA pattern for it
// biome-ignore-all lint/a11y/useFocusableInteractive: the grid itself takes focus and scrolls by keyboard; cells are read-only
import { useEffect, useRef, useState } from "preact/hooks";
import { type RowStore, viewport } from "../row-store.js";
import { renderValue } from "../values.js";

const ROW_HEIGHT = 24;

/**
 * A virtualized result grid: only the rows in view (and a few around) are in the DOM,
 * so a million rows scroll like ten. `version` changes whenever rows were added. Keys:
 * arrows, Page Up/Down, Home and End move through the rows when the grid has focus.
 */
export function Grid({ store, version }: { store: RowStore; version: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(420);

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight - ROW_HEIGHT));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const view = viewport(scrollTop, height, ROW_HEIGHT, store.size);
  const columns = store.columns;

  const onKey = (event: KeyboardEvent) => {
    const element = scroller.current;
    if (!element) return;
    const page = height - ROW_HEIGHT;
    const moves: Record<string, number> = {
      ArrowDown: ROW_HEIGHT,
      ArrowUp: -ROW_HEIGHT,
      PageDown: page,
      PageUp: -page,
      Home: -element.scrollTop,
      End: element.scrollHeight,
    };
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    element.scrollTop += move;
  };

  const rows = [];
  for (let index = view.first; index < view.last; index++) {
    const values = store.row(index) ?? [];
    rows.push(
      <div class="row" role="row" aria-rowindex={index + 2} key={index}>
        <div class="c idx" role="rowheader">
          {index + 1}
        </div>
        {columns.map((name, j) => {
          const cell = renderValue(values[j]);
          return (
            <div
              key={name}
              role="gridcell"
              class={`c${cell.numeric ? " num" : cell.isNull ? " null" : ""}`}
              title={cell.text}
            >
              {cell.text}
            </div>
          );
        })}
      </div>,
    );
  }

  return (
    <div
      ref={scroller}
      class="grid"
      role="grid"
      aria-label="Query result"
      aria-rowcount={store.size + 1}
      aria-colcount={columns.length + 1}
      data-version={version}
      tabIndex={0}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onKeyDown={onKey}
    >
      <div
        class="head"
        role="row"
        aria-rowindex={1}
        style={{ width: `${80 + columns.length * 170}px` }}
      >
        <div class="c idx" role="columnheader">
          #
        </div>
        {columns.map((name) => (
          <div key={name} class="c" role="columnheader" title={name}>
            {name}
          </div>
        ))}
      </div>
      <div
        style={{
          height: `${view.contentHeight}px`,
          position: "relative",
          width: `${80 + columns.length * 170}px`,
        }}
      >
        <div
          style={{
            position: "absolute",
            top: 0,
            left: 0,
            right: 0,
            transform: `translateY(${view.offset}px)`,
          }}
        >
          {rows}
        </div>
      </div>
    </div>
  );
}
