#!/usr/bin/env node
// The `isa` bin. DuckDB runs every statement on libuv's thread pool, whose size is read
// once, when the pool is first used. An ES module entry is too late to set it: loading
// ESM reads files through that pool before the module's first line runs (measured: 4
// pool threads with the variable set inside bin.js, 16 with it set here). This CommonJS
// file is loaded synchronously, so it runs before anything touches the pool; no
// re-exec of node is needed. A value already set by the user wins.
process.env.UV_THREADPOOL_SIZE ??= "16";
import("./bin.js").catch((err: unknown) => {
  process.stderr.write(`isa: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
