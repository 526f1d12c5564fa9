#!/usr/bin/env node
// DuckDB runs statements on libuv's thread pool, which is sized once, when first used:
// so the size is set before anything else loads, and the service is imported after.
process.env.UV_THREADPOOL_SIZE ??= "32";

const { runFromEnv } = await import("./run-from-env.js");
await runFromEnv();
