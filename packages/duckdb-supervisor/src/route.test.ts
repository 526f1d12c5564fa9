import { Metadata } from "@grpc/grpc-js";
import { DuckDBServiceDefinition, duckdb } from "@isa-cloud/proto";
import { describe, expect, it } from "vitest";
import { claimsOf, type Method, routeOf } from "./route.js";

const limits = { queryTimeoutMs: 300_000, maxQueryTimeoutMs: 3_600_000 };

/** An unsigned token: the router reads the payload only. */
function bearer(payload: object): Metadata {
  const md = new Metadata();
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  md.set("authorization", `Bearer eyJhbGciOiJIUzI1NiJ9.${body}.sig`);
  return md;
}

describe("routeOf", () => {
  it("finds an owner in the request of every method", () => {
    for (const [key, method] of Object.entries(DuckDBServiceDefinition.methods)) {
      const fields = Object.keys(method.requestType.fromPartial({}));
      const routable = ["databaseId", "organizationId", "backupPath", "payload", "userId"];
      expect(
        fields.some((f) => routable.includes(f)),
        `${key} has no routing field`,
      ).toBe(true);
    }
  });

  it("routes a bare database name to the caller and org/<name> to the token's organization", () => {
    const md = bearer({ sub: "ann", org: "acme" });
    const own = duckdb.ExecuteQueryRequest.encode({
      ...duckdb.ExecuteQueryRequest.fromPartial({ databaseId: "db", timeoutSeconds: 5 }),
    }).finish();
    expect(routeOf("executeQuery", own, md, limits)).toMatchObject({
      owner: "user:ann",
      limitMs: 5000,
    });
    const org = duckdb.ExecuteStatementRequest.encode(
      duckdb.ExecuteStatementRequest.fromPartial({ databaseId: "org/db" }),
    ).finish();
    expect(routeOf("executeStatement", org, md, limits)).toMatchObject({
      owner: "org:acme",
      limitMs: 300_000,
    });
  });

  it("routes organization creation, backups and imports to their owner", () => {
    const md = bearer({ sub: "ann", org: "acme" });
    const create = duckdb.CreateDatabaseRequest.encode(
      duckdb.CreateDatabaseRequest.fromPartial({ databaseName: "d", organizationId: "acme" }),
    ).finish();
    expect(routeOf("createDatabase", create, md, limits).owner).toBe("org:acme");
    const hex = Buffer.from("acme").toString("hex");
    const restore = duckdb.RestoreDatabaseRequest.encode(
      duckdb.RestoreDatabaseRequest.fromPartial({ backupPath: `backups/org-${hex}/d/b1.duckdb` }),
    ).finish();
    expect(routeOf("restoreDatabase", restore, md, limits)).toMatchObject({
      owner: "org:acme",
      limitMs: undefined,
    });
    const upload = duckdb.ImportDataRequest.encode(
      duckdb.ImportDataRequest.fromPartial({
        payload: { $case: "metadata", value: { databaseId: "org/d", tableName: "t" } },
      }),
    ).finish();
    expect(routeOf("importData" as Method, upload, md, limits).owner).toBe("org:acme");
  });

  it("routes a call without a token by user_id, and one without either to no owner", () => {
    const req = duckdb.ListDatabasesRequest.encode(
      duckdb.ListDatabasesRequest.fromPartial({ userId: "legacy" }),
    ).finish();
    expect(routeOf("listDatabases", req, new Metadata(), limits).owner).toBe("user:legacy");
    expect(routeOf("healthCheck", new Uint8Array(), new Metadata(), limits).owner).toBe("");
  });

  it("reads no claims from a token that is not a JWT", () => {
    const md = new Metadata();
    md.set("authorization", "Bearer garbage");
    expect(claimsOf(md)).toEqual({});
  });
});
