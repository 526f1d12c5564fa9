import parseRange from "range-parser";

/** One byte range of a file: `length` bytes from `offset`. */
export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * The byte range a `Range` header asks of a file of `size` bytes (RFC 9110 14.2), parsed
 * by range-parser (the parser of Express's `send`): a range, "unsatisfiable" (416), or
 * undefined to send the whole file, which is what a header in another unit, a malformed
 * one, or several ranges (multipart/byteranges is not supported) get, as the RFC allows.
 */
export function requestedRange(
  header: string | undefined,
  size: number,
): ByteRange | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return "unsatisfiable";
  if (ranges === -2 || ranges.type !== "bytes" || ranges.length !== 1) return undefined;
  const [range] = ranges;
  if (!range) return undefined;
  return { offset: range.start, length: range.end - range.start + 1 };
}
