// A run of its own for leftover-check.test.ts: the repo's settings, one fixture file,
// no JSON report (the package's report is the outer run's) and no cache in the tree.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedTestConfig } from "../../../../vitest.shared.ts";

export default {
  cacheDir: join(tmpdir(), "isa-leftover-fixture-cache"),
  test: { ...sharedTestConfig.test, include: ["*.fixture.mjs"], reporters: ["default"] },
};
