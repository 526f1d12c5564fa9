import { DataService, StorageService } from "@isa-cloud/data-service";
import { buildApp } from "./app.js";

/**
 * The API's OpenAPI document, as /docs/json serves it, without any service running: the
 * app is built over clients that never connect. `scripts/export-openapi.mjs` writes it to
 * openapi.json at build, which @isa-cloud/api-client is generated from.
 */
export async function openapiDocument(): Promise<Record<string, unknown>> {
  // Port 9 (discard): nothing is ever sent; the clients only need an address.
  const storage = new StorageService({ minioAddress: "127.0.0.1:9", duckdbAddress: "127.0.0.1:9" });
  try {
    const app = await buildApp({
      dataService: new DataService(storage),
      auth: { hs256Secret: "openapi-export-only-".padEnd(32, "x") },
      rateLimit: false,
    });
    try {
      await app.ready();
      return app.swagger() as unknown as Record<string, unknown>;
    } finally {
      await app.close();
    }
  } finally {
    storage.close();
  }
}
