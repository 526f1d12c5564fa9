import { defineConfig } from "vitest/config";

/**
 * Settings every package's vitest config starts from. Each package writes a JSON
 * report beside itself so that `pnpm test` can print one total for the repo.
 */
export const sharedTestConfig = defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
