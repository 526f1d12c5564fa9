import { defineConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.ts";

// Unit tests of the app's logic run in Node: the pieces with logic are plain functions.
export default defineConfig({
  ...sharedTestConfig,
  test: { ...sharedTestConfig.test, include: ["src/**/*.test.ts"] },
});
