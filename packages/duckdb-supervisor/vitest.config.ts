import { mergeConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.ts";

// Each file starts real worker processes that run DuckDB; one file at a time keeps the
// runaway-query test from competing with another file's workers for the CPU.
export default mergeConfig(sharedTestConfig, { test: { fileParallelism: false } });
