import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./gen/api.js";

/** The API's named schemas (`ApiSchemas["FileList"]`, `ApiSchemas["Error"]`, ...). */
export type ApiSchemas = components["schemas"];

/** A client of every route, typed from the API's OpenAPI document. */
export type ApiClient = Client<paths>;

export interface ApiClientOptions {
  /** Where the API listens. @example { baseUrl: "http://127.0.0.1:8080" } */
  baseUrl: string;
  /**
   * The bearer token sent on every request, or a function called before each request
   * (for tokens that refresh). Default: none (only /healthz, /readyz and /docs answer).
   * @example { token: process.env.ISA_TOKEN }
   */
  token?: string | (() => string | Promise<string>);
  /** The fetch to use. Default: the global fetch. @example { fetch: undici.fetch } */
  fetch?: typeof globalThis.fetch;
  /** Headers sent on every request. Default: none. @example { headers: { "x-request-id": id } } */
  headers?: Record<string, string>;
}

/**
 * A typed client of the isa-cloud HTTP API (openapi-fetch over the generated `paths`):
 * `client.GET("/api/v1/data/files", { params: { query: { delimiter: "/" } } })` gives
 * `{ data, error, response }`, with `data` typed by the route's schema and `error` the
 * API's `Error`. Path parameters are URL-encoded, so a file key with "/" is one segment.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const { token } = options;
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        const value = typeof token === "function" ? await token() : token;
        request.headers.set("authorization", `Bearer ${value}`);
        return request;
      },
    });
  }
  return client;
}
