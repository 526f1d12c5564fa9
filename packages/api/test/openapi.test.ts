import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { openapiDocument } from "../src/openapi-document.js";

type Operation = {
  operationId?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, unknown> }>;
};

const document = (await openapiDocument()) as {
  openapi: string;
  info: { title: string };
  servers: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, op })),
);

describe("the OpenAPI document", () => {
  it("is the committed openapi.json (run `pnpm --filter @isa-cloud/api build` after changing a route)", async () => {
    const committed = JSON.parse(
      await readFile(new URL("../openapi.json", import.meta.url), "utf8"),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it("is OpenAPI 3.1 with servers and the API's title", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers.length).toBeGreaterThan(0);
    expect(document.info.title).toBe("isa-cloud data API");
  });

  it("gives every operation a unique operationId and a tag", () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === "string" && id !== "")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of operations) expect(op.tags?.length).toBeGreaterThan(0);
  });

  it("has real path parameters, never a wildcard", () => {
    expect(Object.keys(document.paths).filter((p) => p.includes("*"))).toEqual([]);
    const download = document.paths["/api/v1/data/files/{path}"]!.get!;
    expect(download.parameters).toContainEqual(
      expect.objectContaining({ name: "path", in: "path" }),
    );
    expect(document.paths["/api/v1/data/files/{path}"]!.head?.operationId).toBe("headFile");
  });

  it("declares every error as application/json in the Error schema, bodies as named schemas", () => {
    for (const { path, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        // /readyz answers 503 with its usual body: a probe's answer, not an error.
        if (Number(status) < 400 || path === "/readyz") continue;
        expect(response.content).toEqual({
          "application/json": { schema: { $ref: "#/components/schemas/Error" } },
        });
      }
    }
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(["Error", "FileList", "StoredFiles", "QueryRequest", "QueryResult"]),
    );
  });

  it("offers every result format of POST /query", () => {
    const ok = document.paths["/api/v1/data/query"]!.post!.responses["200"]!;
    expect(Object.keys(ok.content ?? {})).toEqual([
      "application/json",
      "application/x-ndjson",
      "text/csv",
      "application/vnd.apache.parquet",
      "application/vnd.apache.arrow.stream",
    ]);
  });
});
