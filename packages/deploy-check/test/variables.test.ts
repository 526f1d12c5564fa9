import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiConfigFromEnv, operationsFromEnv } from "@isa-cloud/api";
import { duckdbConfigFromEnv } from "@isa-cloud/duckdb-service";
import { supervisorConfigFromEnv } from "@isa-cloud/duckdb-supervisor";
import { minioConfigFromEnv } from "@isa-cloud/minio-service";
import { pgGatewayConfigFromEnv } from "@isa-cloud/pg-gateway";
import { clientTlsFromEnv } from "@isa-cloud/rpc/client";
import { tracingConfigured } from "@isa-cloud/rpc-server";
import { describe, expect, it } from "vitest";
import { type Component, VARIABLES } from "../src/index.js";
import { OURS, recordReads } from "./record-reads.js";

const packages = fileURLToPath(new URL("../..", import.meta.url));
const SECRET = "deploy-check-secret-deploy-check-secret";

/** Each reader, and environments that take each of its branches. */
const READERS: Partial<Record<Component, Set<string>>> = {
  storage: recordReads(minioConfigFromEnv, [
    {},
    { ISA_JWT_SECRET: SECRET, MINIO_PUBLIC_URL: "http://storage:50080", MINIO_METRICS_PORT: "1" },
    {
      MINIO_BACKEND: "s3",
      MINIO_S3_ENDPOINT: "http://minio:9000",
      MINIO_S3_ACCESS_KEY: "a",
      MINIO_S3_SECRET_KEY: "b",
    },
  ]),
  analytics: recordReads(duckdbConfigFromEnv, [
    { ISA_JWT_SECRET: SECRET },
    {
      ISA_SYSTEM_TOKEN: "t",
      ISA_JWT_PUBLIC_KEY: "",
      ISA_ETCD_ENDPOINTS: "etcd:2379",
      ISA_NODE_ID: "n1",
    },
  ]),
  supervisor: recordReads(supervisorConfigFromEnv, [{}, { ISA_ETCD_ENDPOINTS: "etcd:2379" }]),
  api: recordReads(
    (env) => {
      apiConfigFromEnv(env);
      operationsFromEnv(env);
    },
    [{}, { API_RATE_LIMIT_MAX: "10" }],
  ),
  postgres: recordReads(pgGatewayConfigFromEnv, [{}]),
  clients: recordReads(clientTlsFromEnv, [{}]),
  tracing: recordReads(tracingConfigured, [{}, { OTEL_TRACES_EXPORTER: "otlp" }]),
};

/**
 * Each component's source. A variable read outside the readers above (at start-up, by a
 * command, by the SDK's start) is found there by name.
 */
const SOURCES: Record<Component, string[]> = {
  storage: ["minio-service/src"],
  analytics: ["duckdb-service/src"],
  supervisor: ["duckdb-supervisor/src"],
  api: ["api/src", "data-service/src"],
  postgres: ["pg-gateway/src"],
  start: ["cli/src", "stack/src"],
  cli: ["cli/src"],
  clients: ["rpc/src"],
  tracing: ["rpc-server/src"],
};

function sourceText(dirs: string[]): string {
  let text = "";
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts") && !path.endsWith(".test.ts"))
        text += readFileSync(path, "utf8");
    }
  };
  for (const dir of dirs) walk(join(packages, dir));
  return text;
}

describe("the catalogue of variables", () => {
  it("names each variable once, with a description", () => {
    const names = VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of VARIABLES) {
      expect(v.name).toMatch(OURS);
      expect(v.description.length, v.name).toBeGreaterThan(10);
      expect(v.readBy.length, v.name).toBeGreaterThan(0);
    }
  });

  it("lists every variable a config reader reads, under that reader", () => {
    const unlisted: string[] = [];
    for (const [component, names] of Object.entries(READERS)) {
      for (const name of names!) {
        const listed = VARIABLES.find((v) => v.name === name);
        if (!listed?.readBy.includes(component as Component))
          unlisted.push(`${component}: ${name}`);
      }
    }
    expect(unlisted, "read by the code but not in src/variables.ts under that reader").toEqual([]);
  });

  it("lists no variable its readers do not read", () => {
    const unread: string[] = [];
    const sources = Object.fromEntries(
      Object.entries(SOURCES).map(([component, dirs]) => [component, sourceText(dirs!)]),
    );
    for (const v of VARIABLES) {
      if (v.external) continue;
      for (const component of v.readBy) {
        const read = READERS[component]?.has(v.name) || sources[component]?.includes(v.name);
        if (!read) unread.push(`${v.name} (${component})`);
      }
    }
    expect(unread, "in src/variables.ts but not read by the component it names").toEqual([]);
  });
});
