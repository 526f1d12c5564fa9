// One in-process reading of the bench query with @duckdb/node-api, in a process of its
// own so that its peak RSS (VmHWM) is its alone. Prints one JSON line.
import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";

const [mode, sql] = process.argv.slice(2);
const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
const conn = await instance.connect();
const started = performance.now();
let rows = 0;
if (mode === "materialized") {
  const reader = await conn.runAndReadAll(sql);
  rows = reader.getRows().length;
} else {
  const result = await conn.stream(sql);
  for (
    let chunk = await result.fetchChunk();
    chunk && chunk.rowCount > 0;
    chunk = await result.fetchChunk()
  ) {
    rows += chunk.getRows().length;
  }
}
const ms = performance.now() - started;
const status = readFileSync("/proc/self/status", "utf8");
const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
console.log(JSON.stringify({ mode, rows, ms, hwmKiB }));
conn.closeSync();
instance.closeSync();
