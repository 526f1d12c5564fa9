import type { FastifyCorsOptions } from "@fastify/cors";

/**
 * CORS for an allow-list of exact origins: browsers on those pages may call the API
 * with a bearer token (no cookies are used, so credentials stay off) and read the
 * headers that matter for files and retries. Other origins get no CORS headers, and
 * the browser keeps the answer from the page.
 */
export function corsOptions(origins: string[]): FastifyCorsOptions {
  return {
    origin: origins,
    methods: ["GET", "HEAD", "PUT", "POST", "DELETE"],
    allowedHeaders: [
      "authorization",
      "content-type",
      "range",
      "if-match",
      "if-none-match",
      "if-modified-since",
      "if-unmodified-since",
      "if-range",
      "x-request-id",
    ],
    exposedHeaders: [
      "etag",
      "last-modified",
      "content-range",
      "content-length",
      "content-disposition",
      "accept-ranges",
      "retry-after",
      "x-request-id",
    ],
    maxAge: 600,
  };
}

/** `API_CORS_ORIGINS`: comma-separated origins (`https://app.example.com`), each checked. */
export function parseCorsOrigins(text: string | undefined): string[] | undefined {
  if (!text?.trim()) return undefined;
  return text.split(",").map((item) => {
    const origin = item.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {}
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new Error(
        `"${origin}" is not an origin: write scheme://host[:port] with no path or trailing slash, e.g. https://console.example.com`,
      );
    }
    return origin;
  });
}
