#!/usr/bin/env node
// The front runs no DuckDB, so its own libuv pool may stay small. The workers' pool is set
// where it takes effect: in each worker's environment before its Node starts (libuv sizes
// the pool on first use, which happens while Node loads ES modules, before any line of a
// bin could change process.env).
import { runFromEnv } from "./run-from-env.js";

await runFromEnv();
