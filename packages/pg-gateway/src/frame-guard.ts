import type { PgError } from "./protocol/backend.js";

/** Postgres' own limit on a start-up packet (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP_BYTES = 10_000;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * Checks the length of every message in the byte stream before pg-gateway buffers it:
 * pg-gateway waits for as many bytes as a length field announces, so a garbage start-up
 * packet ("GET / HTTP/1.1" reads as 1.2 GB) or an oversized message would hold the
 * connection and grow its buffer. Only headers are read; bytes pass through unchanged.
 * After an SSLRequest the rest of the stream is TLS (`tls`), which this guard does not
 * read: the decrypted stream gets a guard of its own.
 */
export function frameGuard(opts: {
  maxMessageBytes: number;
  tls: boolean;
  onViolation: (error: PgError) => void;
}): TransformStream<Uint8Array, Uint8Array> {
  let initial = true;
  let passthrough = false;
  const header = Buffer.alloc(8);
  let have = 0;
  let remaining = 0;
  return new TransformStream({
    transform(chunk, controller) {
      if (passthrough) return controller.enqueue(chunk);
      let i = 0;
      while (i < chunk.length) {
        if (remaining > 0) {
          const n = Math.min(remaining, chunk.length - i);
          remaining -= n;
          i += n;
          continue;
        }
        // Start-up phase: length + request code; after it: type byte + length.
        const size = initial ? 8 : 5;
        const n = Math.min(size - have, chunk.length - i);
        header.set(chunk.subarray(i, i + n), have);
        have += n;
        i += n;
        if (have < size) break;
        have = 0;
        const violation = initial
          ? checkStartup(header)
          : checkMessage(header, opts.maxMessageBytes);
        if (violation) {
          opts.onViolation(violation);
          controller.terminate();
          return;
        }
        if (initial) {
          const code = header.readInt32BE(4);
          remaining = header.readInt32BE(0) - 8;
          if (code === SSL_REQUEST && opts.tls) {
            passthrough = true;
            controller.enqueue(chunk);
            return;
          }
          initial = code === SSL_REQUEST || code === GSSENC_REQUEST;
        } else {
          remaining = header.readInt32BE(1) - 4;
        }
      }
      controller.enqueue(chunk);
    },
  });
}

function checkStartup(header: Buffer): PgError | undefined {
  const length = header.readInt32BE(0);
  if (length >= 8 && length <= MAX_STARTUP_BYTES) return undefined;
  return {
    severity: "FATAL",
    code: "08P01",
    message: `invalid startup packet layout: length ${length} (is this a Postgres client?)`,
  };
}

function checkMessage(header: Buffer, max: number): PgError | undefined {
  const length = header.readInt32BE(1);
  if (length < 4) {
    return { severity: "FATAL", code: "08P01", message: `invalid message length ${length}` };
  }
  if (length > max) {
    return {
      severity: "FATAL",
      code: "54000",
      message: `message of ${length} bytes exceeds the gateway's limit of ${max} bytes (DUCKDB_PG_MAX_MESSAGE_BYTES)`,
    };
  }
  return undefined;
}
