import { defineConfig } from "vite";

// The app is served by the API under /console/, so asset URLs are relative to that.
export default defineConfig({
  root: "src/app",
  base: "/console/",
  build: {
    outDir: "../../dist/app",
    emptyOutDir: true,
    // The manifest lets scripts/bundle-size.mjs find what the first page loads.
    manifest: true,
    target: "es2022",
    assetsInlineLimit: 0,
  },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
});
