import { configDefaults, mergeConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.ts";

// The suite against the real etcd binary runs only with `pnpm test:cluster`.
export default mergeConfig(sharedTestConfig, {
  test: { exclude: [...configDefaults.exclude, "test/cluster/**"] },
});
