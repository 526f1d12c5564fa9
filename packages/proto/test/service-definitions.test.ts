import { describe, expect, it } from "vitest";
import { DuckDBServiceDefinition, duckdb, MinIOServiceDefinition, minio } from "../src/index.js";
import { contract } from "./contract.js";

const generated = {
  "isa.minio.MinIOService": {
    definition: MinIOServiceDefinition,
    messages: minio as Record<string, unknown>,
  },
  "isa.duckdb.DuckDBService": {
    definition: DuckDBServiceDefinition,
    messages: duckdb as Record<string, unknown>,
  },
};

describe("generated nice-grpc definitions", () => {
  for (const [serviceName, { definition, messages }] of Object.entries(generated)) {
    const methods = contract.services[serviceName] ?? [];

    it(`${serviceName} defines all ${methods.length} contract methods with their streaming flags`, () => {
      expect(definition.fullName).toBe(serviceName);
      const byName = new Map(Object.values(definition.methods).map((m) => [m.name, m]));
      for (const method of methods) {
        const ours = byName.get(method.name);
        expect(ours, method.name).toBeDefined();
        expect(ours?.requestStream, `${method.name} requestStream`).toBe(method.clientStreaming);
        expect(ours?.responseStream, `${method.name} responseStream`).toBe(method.serverStreaming);
        expect(ours?.requestType).toBe(messages[method.input.split(".").pop() ?? ""]);
        expect(ours?.responseType).toBe(messages[method.output.split(".").pop() ?? ""]);
      }
    });

    it(`${serviceName} marks its read-only methods as free of side effects, for retries`, () => {
      const readOnly = Object.values(definition.methods)
        .filter(
          (m) =>
            (m.options as { idempotencyLevel?: string }).idempotencyLevel === "NO_SIDE_EFFECTS",
        )
        .map((m) => m.name);
      expect(readOnly).toContain("HealthCheck");
      for (const name of readOnly) expect(name).toMatch(/^(Get|List|Stat|Health|Query)/);
    });
  }

  it("counts 20 storage methods, and the 28 analytics methods plus the columnar stream", () => {
    expect(Object.keys(MinIOServiceDefinition.methods)).toHaveLength(20);
    expect(Object.keys(DuckDBServiceDefinition.methods)).toHaveLength(29);
    expect(DuckDBServiceDefinition.methods.executeQueryColumnar.responseStream).toBe(true);
  });
});
