import { fileURLToPath } from "node:url";

/**
 * The directory of the built console (index.html and hashed assets), for serving it
 * with any static file server. It exists once the package is built (`vite build`).
 * Resolved from the package root, so it is the same from `src/` (tests) and `dist/`.
 */
export const consoleDistPath: string = fileURLToPath(new URL("../dist/app/", import.meta.url));
