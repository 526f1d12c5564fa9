import { readFile } from "node:fs/promises";
import { buildApp } from "@isa-cloud/api";
import { DataService, StorageService } from "@isa-cloud/data-service";
import { startTestStack } from "@isa-cloud/testing";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient } from "../src/index.js";

describe("generated code", () => {
  it("is fresh: src/gen/api.ts is what openapi-typescript makes of the API's openapi.json", async () => {
    const document = new URL("../../api/openapi.json", import.meta.url);
    const fresh = astToString(await openapiTS(document));
    const committed = await readFile(new URL("../src/gen/api.ts", import.meta.url), "utf8");
    // The CLI adds a banner; the types are what must match.
    expect(committed.slice(committed.indexOf("export "))).toBe(
      fresh.slice(fresh.indexOf("export ")),
    );
  });
});

describe("createApiClient over a real socket", () => {
  let close: () => Promise<void>;
  let baseUrl: string;
  let token: string;

  beforeAll(async () => {
    const stack = await startTestStack();
    const storage = new StorageService({
      minioAddress: stack.storage.address,
      duckdbAddress: stack.analytics.address,
    });
    const app = await buildApp({
      dataService: new DataService(storage),
      auth: { hs256Secret: stack.secret },
      rateLimit: false,
    });
    baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
    token = await stack.token("cora");
    close = async () => {
      await app.close();
      storage.close();
      await stack.close();
    };
  });

  afterAll(async () => {
    await close?.();
  });

  it("uploads, lists with a delimiter and downloads a key with a slash, typed", async () => {
    const api = createApiClient({ baseUrl, token: () => token });
    const up = await api.POST("/api/v1/data/upload", {
      body: { file_name: "notes/a.txt", data: Buffer.from("hello").toString("base64") },
    });
    expect(up.data?.key).toBe("notes/a.txt");
    const list = await api.GET("/api/v1/data/files", { params: { query: { delimiter: "/" } } });
    expect(list.data?.common_prefixes).toEqual(["notes/"]);
    const file = await api.GET("/api/v1/data/files/{path}", {
      params: { path: { path: "notes/a.txt" } },
      parseAs: "text",
    });
    expect(file.data).toBe("hello");
  });

  it("gives the API's Error for a failure, and 401 without a token", async () => {
    const anonymous = createApiClient({ baseUrl });
    const res = await anonymous.GET("/api/v1/data/files");
    expect(res.response.status).toBe(401);
    expect(res.error?.code).toBe("unauthenticated");
  });
});
