import { describe, expect, it } from "vitest";
import { describeEachBackend, h } from "./each-backend.js";

// HealthCheck, which needs no token.

describeEachBackend((kind) => {
  describe("health", () => {
    it("answers HealthCheck without a token, with details on request", async () => {
      const plain = await h.client.healthCheck({ detailed: false });
      expect(plain).toMatchObject({ success: true, healthy: true, status: "SERVING" });
      expect(plain.details).toBeUndefined();
      const detailed = await h.client.healthCheck({ detailed: true });
      expect(detailed.details).toMatchObject({ backend: kind, service: "isa-minio-service" });
      expect(typeof detailed.details?.latencyMs).toBe("number");
    });
  });
});
