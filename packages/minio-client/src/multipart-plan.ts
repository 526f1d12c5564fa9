/** S3's limits, which the storage service follows for multipart uploads. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

export interface PlannedPart {
  /** 1-based, as UploadPart expects. */
  partNumber: number;
  offset: number;
  length: number;
}

/**
 * Splits `size` bytes into parts of `partSize` (the last one shorter). When the
 * object would need more than 10,000 parts the part size grows, as the AWS SDKs
 * do, rather than failing a large upload.
 */
export function planParts(size: number, partSize: number): PlannedPart[] {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`size must be a non-negative integer, got ${size}`);
  }
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
    throw new RangeError(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes (5 MiB)`);
  }
  const effective = Math.max(partSize, Math.ceil(size / MAX_PARTS));
  const parts: PlannedPart[] = [];
  for (let offset = 0; offset < size; offset += effective) {
    parts.push({
      partNumber: parts.length + 1,
      offset,
      length: Math.min(effective, size - offset),
    });
  }
  return parts;
}
