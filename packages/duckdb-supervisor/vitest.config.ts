import { configDefaults, mergeConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.ts";

// Each file starts real worker processes that run DuckDB; one file at a time keeps the
// runaway-query test from competing with another file's workers for the CPU. The cluster
// suite (etcd, several nodes) runs only with `pnpm test:cluster`.
export default mergeConfig(sharedTestConfig, {
  test: { fileParallelism: false, exclude: [...configDefaults.exclude, "test/cluster/**"] },
});
