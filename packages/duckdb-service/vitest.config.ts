import { configDefaults, mergeConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.ts";

// The test servers run DuckDB in the test workers, which inherit this environment: the
// libuv pool must be large enough for concurrent queries plus the storage service's file
// I/O (the bin sets the same for production).
process.env.UV_THREADPOOL_SIZE ??= "16";

// The cluster suite (a real etcd) runs only with `pnpm test:cluster`.
export default mergeConfig(sharedTestConfig, {
  test: { exclude: [...configDefaults.exclude, "test/cluster/**"] },
});
