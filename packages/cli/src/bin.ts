#!/usr/bin/env node
// DuckDB runs every statement on libuv's thread pool, which is sized when it is first
// used: raise it before anything runs (the analytics service warns below 16).
process.env.UV_THREADPOOL_SIZE ??= "16";

const { run } = await import("./program.js");
// Exit explicitly: keep-alive sockets of fetch must not hold a finished command open.
process.exit(await run(process.argv.slice(2)));
