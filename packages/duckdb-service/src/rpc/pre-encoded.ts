import { DuckDBServiceDefinition, duckdb } from "@isa-cloud/proto";

/**
 * A streamed response is encoded as it is produced rather than when grpc-js gets round to
 * sending it. grpc-js queues up to 16 unsent messages per call (its Writable's
 * highWaterMark) and nice-grpc waits for `drain` only after that, so with plain messages
 * the queue held 16 object graphs (a Value object per cell): they lived long enough to be
 * promoted to V8's old generation, where, once sent, they piled up as garbage until the
 * next full collection: 150 to 250 MiB above idle at any result size. Queued as encoded
 * bytes (outside the V8 heap), the row objects die young and the queue is a few MiB.
 */
const ENCODED = Symbol("encoded");

interface Encoded {
  readonly [ENCODED]: Uint8Array;
}

interface MessageType<T> {
  encode(message: T): { finish(): Uint8Array };
  fromPartial(object: never): T;
}

/** `message` encoded now; yield the result in its place. */
export function preEncoded<T>(type: MessageType<T>, message: T): T {
  return asMessage(type.encode(message).finish());
}

/**
 * Bytes already encoded as a message of the method's response type, to yield in its
 * place. Its `valueOf()` gives the ArrayBuffer, which `Buffer.from` (nice-grpc's, on every
 * encoded message) wraps instead of copying, when the bytes are the whole buffer (as
 * `finish()` and `new Uint8Array(size)` give).
 */
export function asMessage<T>(bytes: Uint8Array): T {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    Object.defineProperty(bytes, "valueOf", { value: () => bytes.buffer });
  }
  const encoded: Encoded = { [ENCODED]: bytes };
  return encoded as unknown as T;
}

/** `type` for nice-grpc, passing what `preEncoded` made through untouched. */
function acceptingPreEncoded<T, U extends MessageType<T>>(type: U): U {
  const isEncoded = (value: unknown): value is Encoded =>
    typeof value === "object" && value !== null && ENCODED in value;
  return {
    ...type,
    fromPartial: (object: never) => (isEncoded(object) ? object : type.fromPartial(object)),
    encode: (message: T, ...rest: unknown[]) =>
      isEncoded(message) && rest[0] === undefined
        ? { finish: () => message[ENCODED] }
        : (type.encode as (m: T, ...r: unknown[]) => { finish(): Uint8Array })(message, ...rest),
  };
}

/** DuckDBServiceDefinition whose streaming methods take `preEncoded` messages; same wire. */
export const PreEncodedDuckDBServiceDefinition: typeof DuckDBServiceDefinition = {
  ...DuckDBServiceDefinition,
  methods: {
    ...DuckDBServiceDefinition.methods,
    executeQueryStream: {
      ...DuckDBServiceDefinition.methods.executeQueryStream,
      responseType: acceptingPreEncoded(duckdb.QueryResultChunk),
    },
    executeQueryColumnar: {
      ...DuckDBServiceDefinition.methods.executeQueryColumnar,
      responseType: acceptingPreEncoded(duckdb.ColumnarChunk),
    },
  },
};
