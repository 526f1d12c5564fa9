import { setImmediate as nextTurn } from "node:timers/promises";
import { ServerError, Status } from "nice-grpc";
import { invalidArgument } from "../validation.js";

/** A client-stream message: metadata first, then chunks (PutObject's chunk_data, UploadPart's chunk). */
export interface StreamMessage<M> {
  payload?:
    | { $case: "metadata"; value: M }
    | { $case: "chunkData" | "chunk"; value: Uint8Array }
    | undefined;
}

/** Takes the metadata message a stream must start with. */
export async function readHeader<M>(
  requests: AsyncIterable<StreamMessage<M>>,
): Promise<{ header: M; rest: AsyncIterator<StreamMessage<M>> }> {
  const rest = requests[Symbol.asyncIterator]();
  const first = await rest.next();
  if (first.done)
    throw invalidArgument("the stream is empty; send a metadata message first, then chunks");
  const payload = first.value.payload;
  if (payload?.$case !== "metadata") {
    throw invalidArgument("a chunk came before the metadata; send the metadata message first");
  }
  return { header: payload.value, rest };
}

/**
 * The stream's bytes, pulled one message at a time (the consumer's pace is the gRPC
 * stream's flow control). Throws when the stream carries other than `expected` bytes, or
 * was cancelled: nice-grpc ends the request stream of a cancelled call quietly, so only the
 * call's signal tells a cancelled upload from a complete one.
 */
export async function* bodyOf<M>(
  rest: AsyncIterator<StreamMessage<M>>,
  expected: number | undefined,
  signal: AbortSignal,
  declaredIn: string,
): AsyncGenerator<Uint8Array> {
  let received = 0;
  for (let next = await rest.next(); !next.done; next = await rest.next()) {
    const payload = next.value.payload;
    if (!payload) continue;
    if (payload.$case === "metadata")
      throw invalidArgument("metadata came twice; send it once, first");
    received += payload.value.byteLength;
    if (expected !== undefined && received > expected) {
      throw invalidArgument(
        `the stream carried more than the ${expected} bytes declared in ${declaredIn}`,
      );
    }
    if (payload.value.byteLength > 0) yield payload.value;
  }
  // The cancellation event may land a turn after the stream closes.
  await nextTurn();
  if (signal.aborted)
    throw new ServerError(Status.CANCELLED, "the upload was cancelled; nothing was stored");
  if (expected !== undefined && received !== expected) {
    throw invalidArgument(
      `the stream ended after ${received} of the ${expected} bytes declared in ${declaredIn}`,
    );
  }
}
