import type { StorageBackend } from "../backend/backend.js";
import type { StorageMetrics } from "./storage-metrics.js";

/** The backend operations timed in `isa_storage_backend_seconds`. */
const TIMED = [
  "putObject",
  "getObject",
  "statObject",
  "deleteObject",
  "listObjects",
  "copyObject",
  "uploadPart",
  "completeMultipartUpload",
  "createBucket",
  "deleteBucket",
  "listBuckets",
] as const;

type Timed = (typeof TIMED)[number];

/**
 * `backend` with its traffic counted in `metrics`: a proxy, so the gRPC handlers and the
 * presigned-URL endpoint (which both go through the backend) are measured alike and the
 * backends stay free of metrics. Bytes served are counted when a body is read to its end
 * (an 'end' listener, which leaves the stream's mode and its zero-copy chunks alone); a
 * download cut short is not counted.
 */
export function meterBackend(backend: StorageBackend, metrics: StorageMetrics): StorageBackend {
  const kind = backend.kind;
  const time = async <T>(op: Timed, run: () => Promise<T>): Promise<T> => {
    const stop = metrics.backendSeconds.startTimer({ backend: kind, op });
    try {
      const result = await run();
      stop({ outcome: "ok" });
      return result;
    } catch (err) {
      stop({ outcome: "error" });
      throw err;
    }
  };
  const hooks: Partial<StorageBackend> = {
    async putObject(...args) {
      const stored = await time("putObject", () => backend.putObject(...args));
      metrics.bytesStored.inc({ backend: kind }, stored.size);
      metrics.objectsStored.inc({ backend: kind, op: "put" });
      return stored;
    },
    async uploadPart(...args) {
      const body = args[4];
      let size = 0;
      const counted = (async function* () {
        for await (const chunk of body) {
          size += chunk.byteLength;
          yield chunk;
        }
      })();
      args[4] = counted;
      const etag = await time("uploadPart", () => backend.uploadPart(...args));
      metrics.bytesStored.inc({ backend: kind }, size);
      return etag;
    },
    async completeMultipartUpload(...args) {
      const stored = await time("completeMultipartUpload", () =>
        backend.completeMultipartUpload(...args),
      );
      metrics.objectsStored.inc({ backend: kind, op: "multipart" });
      return stored;
    },
    async copyObject(...args) {
      const stored = await time("copyObject", () => backend.copyObject(...args));
      metrics.objectsStored.inc({ backend: kind, op: "copy" });
      return stored;
    },
    async deleteObject(...args) {
      await time("deleteObject", () => backend.deleteObject(...args));
      metrics.objectsDeleted.inc({ backend: kind });
    },
    async getObject(...args) {
      const found = await time("getObject", () => backend.getObject(...args));
      if (found) {
        const bytes = Math.max(0, found.range.end - found.range.start);
        found.body.once("end", () => metrics.bytesServed.inc({ backend: kind }, bytes));
      }
      return found;
    },
  };
  for (const op of [
    "statObject",
    "listObjects",
    "createBucket",
    "deleteBucket",
    "listBuckets",
  ] as const) {
    // biome-ignore lint/suspicious/noExplicitAny: forwards each method's own arguments
    (hooks as any)[op] = (...args: unknown[]) =>
      // biome-ignore lint/suspicious/noExplicitAny: as above
      time(op, () => (backend[op] as any).apply(backend, args));
  }
  return new Proxy(backend, {
    get(target, property) {
      if (property in hooks) return hooks[property as keyof StorageBackend];
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
