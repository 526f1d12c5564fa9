import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { manyEventsCsv } from "@isa-cloud/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ARTIFACTS, startConsoleHarness } from "./browser-harness.js";

let harness: Awaited<ReturnType<typeof startConsoleHarness>>;

beforeAll(async () => {
  harness = await startConsoleHarness();
  harness.page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await harness?.close();
});

// The steps build on each other: after one fails, the rest are skipped, not timed out.
let broken = false;
beforeEach((context) => {
  if (broken) context.skip();
});

afterEach((context) => {
  // Any console error, failed request or error status fails the step that caused it.
  const seen = harness.errors.splice(0);
  if (context.task.result?.state === "fail" || seen.length > 0) broken = true;
  expect(seen).toEqual([]);
});

async function signIn(user: string) {
  const { page } = harness;
  await page.getByLabel("User id").fill(user);
  await page.getByRole("button", { name: `Sign in as ${user}` }).click();
  await page.getByTestId("user").getByText(user, { exact: true }).waitFor();
}

async function runSql(sql: string) {
  const { page } = harness;
  const editor = page.locator(".cm-content");
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await editor.fill(sql);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page
    .getByTestId("query-status")
    .getByText(/rows; first rows in/)
    .waitFor();
}

describe("the console in Chromium against a real stack", () => {
  it("signs in with the one-click dev sign-in", async () => {
    const { page, baseUrl } = harness;
    await page.goto(`${baseUrl}/console`);
    await page.getByRole("heading", { name: "Sign in to isa-cloud" }).waitFor();
    await harness.screenshot("1-sign-in");
    await signIn("alice");
    expect(page.url()).not.toContain("token");
  });

  it("uploads three files at once, one of 50 MB, showing progress", async () => {
    const { page } = harness;
    const files = {
      "events.csv": manyEventsCsv(1000),
      "notes.txt": "remember the milk\n",
      "big.bin": Buffer.alloc(50 * 1024 * 1024, 7),
    };
    const paths = [];
    for (const [name, content] of Object.entries(files)) {
      const path = join(ARTIFACTS, name);
      await writeFile(path, content);
      paths.push(path);
    }
    await page.getByLabel("Files to upload").setInputFiles(paths);
    await page.locator('[data-upload="big.bin"]').waitFor();
    await harness.screenshot("2-uploading");
    for (const name of Object.keys(files)) {
      await page.locator(`[data-upload="${name}"][data-state="stored"]`).waitFor();
    }
    await expect
      .poll(() => page.getByTestId("upload-overall").textContent())
      .toMatch(/^52 MB of 52 MB$/);
    for (const name of Object.keys(files)) await page.locator(`tr[data-key="${name}"]`).waitFor();
    await harness.screenshot("3-files");
  });

  it("previews the CSV as a table of its first rows", async () => {
    const { page } = harness;
    await page.getByRole("button", { name: "Preview events.csv" }).click();
    const table = page.getByRole("table", { name: "First rows of events.csv" });
    await table.waitFor();
    expect(await table.locator("th").allTextContents()).toEqual([
      "event_type",
      "date",
      "duration",
      "value",
    ]);
    expect(await table.locator("tbody tr").count()).toBe(50);
    await harness.screenshot("4-preview");
  });

  it("imports the CSV into user_events and reports the row count", async () => {
    const { page } = harness;
    await page.getByRole("button", { name: "Import events.csv" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("table", { name: "Columns of the file" }).waitFor();
    await dialog.getByRole("button", { name: "Import", exact: true }).click();
    await expect
      .poll(() => dialog.getByTestId("import-result").textContent())
      .toContain("Imported 1,000 rows");
    await harness.screenshot("5-import");
    await dialog.getByRole("button", { name: "Close" }).click();
  });

  it("runs a query with the tables listed and draws a chart of it", async () => {
    const { page } = harness;
    await page.getByRole("button", { name: "SQL" }).click();
    await page
      .getByRole("complementary", { name: "Tables and columns" })
      .getByText("user_events")
      .waitFor();
    await runSql("SELECT event_type, count(*) AS n FROM user_events GROUP BY 1 ORDER BY 1");
    expect(await page.getByTestId("query-status").textContent()).toMatch(/^5 rows/);
    const grid = page.getByRole("grid", { name: "Query result" });
    await grid.getByRole("gridcell", { name: "add_to_cart" }).waitFor();
    await page.getByRole("button", { name: "Chart" }).click();
    await page.getByTestId("chart").locator("canvas").waitFor();
    await harness.screenshot("6-chart");
  });

  it("streams 100,000 rows and pages to the last one, with 64-bit values exact", async () => {
    const { page } = harness;
    await runSql("SELECT range AS i, range + 9007199254740993 AS big FROM range(100000)");
    expect(await page.getByTestId("query-status").textContent()).toMatch(/^100,000 rows/);
    const grid = page.getByRole("grid", { name: "Query result" });
    await grid.getByRole("gridcell", { name: "9007199254740993", exact: true }).waitFor();
    await grid.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press("PageDown");
    await grid.getByRole("rowheader", { name: "50", exact: true }).waitFor();
    await page.keyboard.press("End");
    await grid.getByRole("rowheader", { name: "100000", exact: true }).waitFor();
    await grid.getByRole("gridcell", { name: "9007199254840992", exact: true }).waitFor();
    await harness.screenshot("7-grid-100k");
  });

  it("analyzes behaviour by event type and saves a report to storage", async () => {
    const { page } = harness;
    await page.getByRole("button", { name: "Reports" }).click();
    await page.getByLabel("From").fill("2024-01-01");
    await page.getByLabel("To").fill("2024-01-31");
    await page.getByRole("button", { name: "Analyze" }).click();
    await page.getByTestId("analysis-chart").locator("canvas").waitFor();
    await page.getByRole("button", { name: "Save user activity" }).click();
    await expect
      .poll(() => page.getByTestId("report-saved").textContent())
      .toMatch(/Saved as reports\//);
    await harness.screenshot("8-reports");
    await page.getByRole("button", { name: "Open Files" }).click();
    await page.getByRole("button", { name: "📁 reports/" }).waitFor();
  });

  it("deletes a file after confirmation", async () => {
    const { page } = harness;
    await page.getByRole("button", { name: "Delete notes.txt" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await page.getByRole("status").getByText("Deleted notes.txt.").waitFor();
    expect(await page.locator('tr[data-key="notes.txt"]').count()).toBe(0);
  });

  it("shows a second user none of the first user's files", async () => {
    const { page } = harness;
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn("bob");
    await page.getByText("No files here yet").waitFor();
    expect(await page.locator("tr[data-key]").count()).toBe(0);
    await harness.screenshot("9-second-user");
  });
});
