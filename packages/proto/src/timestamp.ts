import type { Timestamp } from "./gen/google/protobuf/timestamp.js";

// Timestamps are generated as { seconds, nanos } (see buf.gen.yaml): these are the
// conversions callers need, exact where the target type allows it.

const NANOS_PER_MILLI = 1_000_000;

/** Milliseconds precision: what a Date holds. Sub-millisecond nanos are dropped. */
export function timestampToDate(ts: Timestamp): Date {
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / NANOS_PER_MILLI));
}

export function dateToTimestamp(date: Date): Timestamp {
  const millis = date.getTime();
  const seconds = Math.floor(millis / 1000);
  return { seconds: BigInt(seconds), nanos: (millis - seconds * 1000) * NANOS_PER_MILLI };
}

/** Microseconds since the epoch, exact: DuckDB's own resolution for TIMESTAMP. */
export function timestampToMicros(ts: Timestamp): bigint {
  return ts.seconds * 1_000_000n + BigInt(Math.floor(ts.nanos / 1000));
}

export function microsToTimestamp(micros: bigint): Timestamp {
  // Floor division, so that instants before 1970 keep nanos in [0, 1e9).
  let seconds = micros / 1_000_000n;
  let rest = micros % 1_000_000n;
  if (rest < 0n) {
    seconds -= 1n;
    rest += 1_000_000n;
  }
  return { seconds, nanos: Number(rest) * 1000 };
}
