import { Readable } from "node:stream";
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
  /** The content, pulled as the caller reads; read it or `close()`. */
  chunks: AsyncIterable<Uint8Array>;
  /** The same content as a Readable (for the stream-shaped methods); take one or the other. */
  stream(): Readable;
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
  const total = rangeTotal(info.size, Number(request.offset ?? 0n), Number(request.length ?? 0n));

  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      while (true) {
        const next = await responses.next();
        if (next.done) return;
        const payload = next.value.payload;
        // Only chunks follow the info; anything else is ignored as an unknown addition.
        if (payload?.$case === "chunkData") yield payload.value;
      }
    } finally {
      // Stopping early (break, destroy, error) cancels the call on the server.
      await responses.return?.();
    }
  }
  const content = delivered(chunks(), total, onProgress);
  return {
    info,
    total,
    chunks: content,
    stream: () => Readable.from(content, { objectMode: false }),
    close: async () => {
      await responses.return?.();
    },
  };
}

/**
 * The chunks of a download with progress, checked to add up to `total`: a stream that
 * ends short throws DATA_LOSS instead of a truncated object.
 */
export async function* delivered(
  chunks: AsyncIterable<Uint8Array>,
  total: number,
  onProgress: ((progress: Progress) => void) | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.byteLength;
    onProgress?.({ bytes, total });
    yield chunk;
  }
  if (bytes !== total) throw dataLoss(bytes, total);
}

/** A download that delivered `bytes` (fewer or more) of the `total` it announced. */
export function dataLoss(bytes: number, total: number): IsaError {
  return new IsaError(
    "/isa.minio.MinIOService/GetObject",
    Status.DATA_LOSS,
    bytes < total
      ? `the object's stream ended after ${bytes} of ${total} bytes`
      : `the object's stream sent ${bytes} bytes, more than the ${total} it announced`,
  );
}

/** Bytes a read of `length` (0: to the end) from `offset` delivers of an object of `size`. */
export function rangeTotal(size: number, offset: number, length: number): number {
  const available = Math.max(0, size - offset);
  return length > 0 ? Math.min(length, available) : available;
}
