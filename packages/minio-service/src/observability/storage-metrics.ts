import { Counter, Histogram, Registry } from "prom-client";

/**
 * The storage service's own series, in a registry per service instance (two services in
 * one process never share counters). Labelled by `backend` ("fs" or "s3") so that a
 * dashboard over several deployments can tell them apart.
 */
export class StorageMetrics {
  readonly registry = new Registry();

  /** Object bytes written: PutObject, UploadPart, presigned PUTs. */
  readonly bytesStored = new Counter({
    name: "isa_storage_bytes_stored_total",
    help: "Object bytes written to the backend (PutObject, UploadPart, presigned PUT)",
    labelNames: ["backend"] as const,
    registers: [this.registry],
  });

  /** Object bytes read out to completion: GetObject, presigned GETs. */
  readonly bytesServed = new Counter({
    name: "isa_storage_bytes_served_total",
    help: "Object bytes read from the backend to the end of the requested range (GetObject, presigned GET)",
    labelNames: ["backend"] as const,
    registers: [this.registry],
  });

  /** Objects committed, by how: put, multipart (completed uploads), copy. */
  readonly objectsStored = new Counter({
    name: "isa_storage_objects_stored_total",
    help: "Objects committed (op: put, multipart, copy)",
    labelNames: ["backend", "op"] as const,
    registers: [this.registry],
  });

  readonly objectsDeleted = new Counter({
    name: "isa_storage_objects_deleted_total",
    help: "Object deletions (DeleteObject, DeleteObjects, each key once)",
    labelNames: ["backend"] as const,
    registers: [this.registry],
  });

  /** Time the backend takes per operation, failures included (`outcome`). */
  readonly backendSeconds = new Histogram({
    name: "isa_storage_backend_seconds",
    help: "Backend operation time; for get, until the body is ready to read",
    labelNames: ["backend", "op", "outcome"] as const,
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60],
    registers: [this.registry],
  });
}
