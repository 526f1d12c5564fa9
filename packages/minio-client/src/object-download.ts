import type { minio } from "@isa-cloud/proto";
import { IsaError } from "@isa-cloud/rpc/wire";
import { Status } from "nice-grpc-common";
import { toObjectInfo } from "./convert.js";
import type { MinioRpc } from "./rpc-types.js";
import type { ObjectInfo, Progress } from "./types.js";

export interface OpenedObject {
  info: ObjectInfo;
  /** Bytes this download will deliver: the range asked for, clipped to the object. */
  total: number;
  chunks: AsyncGenerator<Uint8Array, void, undefined>;
  /**
   * Cancels the call if it is still open. Needed when `chunks` may never have been
   * started: returning a generator that has not started skips its `finally`.
   */
  close(): Promise<void>;
}

/**
 * Starts a GetObject stream and waits for its first message, the object's info,
 * so that a missing object or a refused range fails here rather than on the
 * first read. The chunks that follow are pulled only as fast as the caller reads.
 */
export async function openObject(
  rpc: MinioRpc,
  request: Partial<minio.GetObjectRequest>,
  callOptions: { signal?: AbortSignal; deadline?: Date | number },
  onProgress: ((progress: Progress) => void) | undefined,
): Promise<OpenedObject> {
  const responses = rpc.getObject(request, callOptions)[Symbol.asyncIterator]();
  let info: ObjectInfo;
  try {
    const first = await responses.next();
    if (first.done || first.value.payload?.$case !== "metadata") {
      throw new Error("the service's GetObject stream did not start with the object's info");
    }
    info = toObjectInfo(first.value.payload.value);
  } catch (error) {
    await responses.return?.();
    throw error;
  }
  const offset = Number(request.offset ?? 0n);
  const available = Math.max(0, info.size - offset);
  const length = Number(request.length ?? 0n);
  const total = length > 0 ? Math.min(length, available) : available;

  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    let bytes = 0;
    try {
      while (true) {
        const next = await responses.next();
        if (next.done) break;
        const payload = next.value.payload;
        // Only chunks follow the info; anything else is ignored as an unknown addition.
        if (payload?.$case !== "chunkData") continue;
        bytes += payload.value.byteLength;
        onProgress?.({ bytes, total });
        yield payload.value;
      }
      if (bytes !== total) {
        throw new IsaError(
          "/isa.minio.MinIOService/GetObject",
          Status.DATA_LOSS,
          `the object's stream ended after ${bytes} of ${total} bytes`,
        );
      }
    } finally {
      // Stopping early (break, destroy, error) cancels the call on the server.
      await responses.return?.();
    }
  }
  return {
    info,
    total,
    chunks: chunks(),
    close: async () => {
      await responses.return?.();
    },
  };
}
