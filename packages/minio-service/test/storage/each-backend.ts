import type { CallOptions } from "nice-grpc";
import { afterAll, beforeAll, describe } from "vitest";
import { type BackendKind, type Harness, startHarness } from "../harness.js";

/** The backends every file of the storage suite runs against. */
const BACKENDS: readonly BackendKind[] = ["fs", "s3"];

// The harness of the backend whose tests run now, and tokens of two users on it. Set by
// describeEachBackend's hooks before the first test of each backend; a test file is a
// module of its own and runs its backends one after the other, so these never mix.
export let h: Harness;
export let alice: CallOptions;
export let bob: CallOptions;

/**
 * Defines a file's tests once per backend of BACKENDS, each run with a harness of its own:
 * a service on a loopback port with real files, and for S3 an s3rver behind it.
 */
export function describeEachBackend(define: (kind: BackendKind) => void): void {
  describe.each(BACKENDS)("on the %s backend", (kind) => {
    beforeAll(async () => {
      h = await startHarness(kind);
      alice = await h.as("alice");
      bob = await h.as("bob");
    });
    afterAll(async () => {
      await h?.close();
    });
    define(kind);
  });
}
