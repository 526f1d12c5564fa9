import { existsSync } from "node:fs";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { consoleDistPath } from "./dist-path.js";

/** Vite names these after their content: a new build means new names, so they never go stale. */
const HASHED_ASSET = /\/assets\/[^/]+-[\w-]{8,}\.\w+$/;

/**
 * Serves the console: register with `{ prefix: "/console" }`. Hashed assets are cached for a
 * year (immutable); index.html is revalidated on every load so a new build is picked up at
 * once. Everything comes from the package's own files: no CDN at run time.
 */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  if (!existsSync(consoleDistPath)) {
    app.log.warn(
      { consoleDistPath },
      "the console is not built; run `pnpm --filter @isa-cloud/console build`",
    );
  }
  // The page is at the prefix with a trailing slash; the bare prefix sends people there.
  app.get("", { schema: { hide: true } as object }, (_request, reply) =>
    reply.redirect(`${app.prefix}/`),
  );
  await app.register(fastifyStatic, {
    root: consoleDistPath,
    index: ["index.html"],
    cacheControl: false,
    setHeaders(reply, path) {
      reply.header(
        "cache-control",
        HASHED_ASSET.test(path) ? "public, max-age=31536000, immutable" : "no-cache",
      );
      reply.header("x-content-type-options", "nosniff");
    },
  });
}
