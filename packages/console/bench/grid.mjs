#!/usr/bin/env node
// Grid benchmark: a real stack + the API (as in test/browser-harness.ts), the console in
// headless Chromium, a 1,000,000-row query in the SQL page, then a ~3 s scroll of the grid
// from top to bottom while the page records its own frame times.
//   pnpm --filter @isa-cloud/console bench   (needs the API built: ../api/dist)
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DataService, StorageService } from "@isa-cloud/data-service";
import { DEV_JWT_SECRET } from "@isa-cloud/rpc-server";
import { manyEventsCsv, startTestStack } from "@isa-cloud/testing";
import { chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const API_ENTRY = new URL("../../api/dist/index.js", import.meta.url);
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SCROLL_MS = Number(process.env.BENCH_SCROLL_MS ?? 3000);
const SQL = `SELECT range AS i, range * 2 AS doubled, 'row ' || range::VARCHAR AS label, range % 7 AS bucket FROM range(${ROWS})`;

if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}`);
if (!existsSync(API_ENTRY))
  throw new Error("build the API first: pnpm --filter @isa-cloud/api... build");

const cleanups = [];
async function cleanup() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch (err) {
      console.error("cleanup:", err?.message ?? err);
    }
  }
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => cleanup().finally(() => process.exit(130)));
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms = (n) => `${n.toFixed(1)} ms`;

try {
  const { buildApp } = await import(API_ENTRY.href);
  const stack = await startTestStack({ secret: DEV_JWT_SECRET });
  cleanups.push(() => stack.close());
  const storage = new StorageService({
    minioAddress: stack.storage.address,
    duckdbAddress: stack.analytics.address,
  });
  cleanups.push(() => storage.close());
  const app = await buildApp({
    dataService: new DataService(storage),
    auth: { hs256Secret: DEV_JWT_SECRET },
    rateLimit: false,
  });
  cleanups.push(() => app.close());
  await app.listen({ host: "127.0.0.1", port: 0 });
  const baseUrl = `http://127.0.0.1:${app.server.address().port}`;

  const profile = await mkdtemp(join(tmpdir(), "isa-console-bench-"));
  cleanups.push(() => rm(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  cleanups.push(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));

  page.setDefaultTimeout(60_000);
  console.error("[bench] stack + API up, signing in");
  // Sign in (dev sign-in), open the SQL page.
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel("User id").fill("bench");
  await page.getByRole("button", { name: "Sign in as bench" }).click();
  await page.getByTestId("user").getByText("bench", { exact: true }).waitFor();
  // A user needs an analytics database before SQL runs: upload + import a small CSV.
  const csv = join(profile, "events.csv");
  await writeFile(csv, manyEventsCsv(100));
  await page.getByLabel("Files to upload").setInputFiles([csv]);
  await page.locator('[data-upload="events.csv"][data-state="stored"]').waitFor();
  await page.getByRole("button", { name: "Import events.csv" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("table", { name: "Columns of the file" }).waitFor();
  await dialog.getByRole("button", { name: "Import", exact: true }).click();
  await dialog.getByTestId("import-result").getByText(/\d/).waitFor();
  await dialog.getByRole("button", { name: "Close" }).click();
  console.error("[bench] imported a small CSV, running the query");
  await page.getByRole("button", { name: "SQL" }).click();
  const editor = page.locator(".cm-content");
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await editor.fill(SQL);

  // Watch in the page: when the first data row appears in the grid (MutationObserver).
  await page.evaluate(() => {
    window.__bench = { firstRowAt: 0 };
    const observer = new MutationObserver(() => {
      if (
        !window.__bench.firstRowAt &&
        document.querySelector('[role="grid"] [role="rowheader"]')
      ) {
        window.__bench.firstRowAt = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
  const runAt = await page.evaluate(() => performance.now());
  await page.getByRole("button", { name: "Run", exact: true }).click();
  const status = page.getByTestId("query-status");
  for (let i = 0; ; i++) {
    const text = (await status.textContent()) ?? "";
    if (/rows; first rows in/.test(text)) break;
    const alert = await page.locator(".error, [role=alert]").allTextContents();
    if (alert.join("").trim()) throw new Error(`query failed: ${alert.join(" ")}`);
    if (i % 20 === 0) console.error(`[bench] ${text || "(no status yet)"}`);
    if (i > 1200) throw new Error(`query did not finish: ${text}`);
    await page.waitForTimeout(250);
  }
  const doneAt = await page.evaluate(() => performance.now());
  const statusText = (await status.textContent()) ?? "";
  const firstRowAt = await page.evaluate(() => window.__bench.firstRowAt);
  const m = statusText.match(/^([\d,]+) rows.*first rows in (\d+) ms, all in (\d+) ms/);
  if (!m) throw new Error(`unexpected status line: ${statusText}`);
  const loaded = Number(m[1].replaceAll(",", ""));
  if (loaded !== ROWS) throw new Error(`expected ${ROWS} rows, status says: ${statusText}`);

  // Scroll top -> bottom over SCROLL_MS with a rAF-driven scrollTop animation; record rAF
  // deltas (frame times) and long animation frames / long tasks seen meanwhile.
  const grid = page.getByRole("grid", { name: "Query result" });
  await grid.waitFor();
  await page.waitForTimeout(500); // settle
  const scroll = await grid.evaluate(
    (element, duration) =>
      new Promise((resolve) => {
        const longFrames = [];
        const types = PerformanceObserver.supportedEntryTypes;
        const type = types.includes("long-animation-frame") ? "long-animation-frame" : "longtask";
        const observer = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) longFrames.push(e.duration);
        });
        observer.observe({ type, buffered: false });
        const max = element.scrollHeight - element.clientHeight;
        const deltas = [];
        let start = 0;
        let last = 0;
        const step = (now) => {
          if (!start) start = last = now;
          else {
            deltas.push(now - last);
            last = now;
          }
          const t = Math.min(1, (now - start) / duration);
          element.scrollTop = t * max;
          if (t < 1) requestAnimationFrame(step);
          else
            requestAnimationFrame(() =>
              setTimeout(() => {
                observer.disconnect();
                const lastRow = [...element.querySelectorAll('[role="rowheader"]')].at(
                  -1,
                )?.textContent;
                resolve({
                  deltas,
                  longFrames,
                  type,
                  max,
                  reachedTop: element.scrollTop,
                  lastRow,
                  elapsed: last - start,
                });
              }, 50),
            );
        };
        requestAnimationFrame(step);
      }),
    SCROLL_MS,
  );

  const sorted = [...scroll.deltas].sort((a, b) => a - b);
  const under = scroll.deltas.filter((d) => d < 16.7).length / scroll.deltas.length;
  const [l1, l5, l15] = loadavg();
  const results = {
    rows: loaded,
    "first rows in grid (status line)": `${m[2]} ms`,
    "first rows in grid (click → first row in DOM)": `${Math.round(firstRowAt - runAt)} ms`,
    "all rows loaded (status line)": `${m[3]} ms`,
    "all rows loaded (click → status done)": `${Math.round(doneAt - runAt)} ms`,
    "scroll: duration / frames": `${Math.round(scroll.elapsed)} ms / ${scroll.deltas.length}`,
    "scroll: last row in view": scroll.lastRow,
    "frames < 16.7 ms": `${(under * 100).toFixed(1)} %`,
    "frame time p50": ms(quantile(sorted, 0.5)),
    "frame time p95": ms(quantile(sorted, 0.95)),
    "frame time max": ms(sorted.at(-1)),
    [`${scroll.type} entries during scroll`]: `${scroll.longFrames.length}${scroll.longFrames.length ? ` (max ${ms(Math.max(...scroll.longFrames))})` : ""}`,
    "load average (1/5/15 min, at end)": `${l1.toFixed(2)} / ${l5.toFixed(2)} / ${l15.toFixed(2)}`,
    errors: errors.length ? errors.join("; ") : "none",
  };
  console.log(`query: ${SQL}`);
  console.log(`status: ${statusText}`);
  console.log("| metric | value |\n| --- | --- |");
  for (const [k, v] of Object.entries(results)) console.log(`| ${k} | ${v} |`);
} catch (err) {
  process.exitCode = 1;
  console.error(err);
} finally {
  await cleanup();
}
