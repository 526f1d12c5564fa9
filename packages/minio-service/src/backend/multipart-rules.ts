import { createHash } from "node:crypto";
import { ServerError, Status } from "nice-grpc";
import {
  invalidArgument,
  MAX_PART_NUMBER,
  MIN_PART_BYTES,
  normalizeEtag,
  quoted,
} from "../validation.js";
import type { CompletedPartRef } from "./backend.js";

const UPLOAD_ID = /^[0-9a-f]{32}$/;

export function noSuchUpload(uploadId: string, key: string): ServerError {
  return new ServerError(
    Status.NOT_FOUND,
    `no multipart upload ${quoted(uploadId)} for key ${JSON.stringify(key)}; it was completed, aborted or never initiated`,
  );
}

/** Upload ids are ours (32 hex digits); anything else cannot name an upload. */
export function checkUploadId(uploadId: string, key: string): void {
  if (!UPLOAD_ID.test(uploadId)) throw noSuchUpload(uploadId, key);
}

/**
 * S3's rules for CompleteMultipartUpload's part list, given the uploaded parts' sizes:
 * non-empty, ascending, each uploaded, each but the last at least 5 MiB.
 */
export function checkCompletedParts(
  parts: CompletedPartRef[],
  sizeOf: (partNumber: number) => number | undefined,
): void {
  if (parts.length === 0) throw invalidArgument("parts is empty; list every part to assemble");
  if (parts.length > MAX_PART_NUMBER)
    throw invalidArgument(`${parts.length} parts; at most ${MAX_PART_NUMBER}`);
  let previous = 0;
  parts.forEach((part, index) => {
    if (part.partNumber <= previous) {
      throw invalidArgument(
        `parts must be in ascending part_number order without repeats; ${part.partNumber} follows ${previous}`,
      );
    }
    previous = part.partNumber;
    const size = sizeOf(part.partNumber);
    if (size === undefined) {
      throw invalidArgument(
        `part ${part.partNumber} was not uploaded (or was uploaded to another upload)`,
      );
    }
    if (index < parts.length - 1 && size < MIN_PART_BYTES) {
      throw invalidArgument(
        `part ${part.partNumber} has ${size} bytes; every part but the last needs at least ${MIN_PART_BYTES} (5 MiB)`,
      );
    }
  });
}

export function checkPartEtag(part: CompletedPartRef, actualMd5: string): void {
  if (normalizeEtag(part.etag) !== actualMd5) {
    throw invalidArgument(
      `part ${part.partNumber}'s ETag ${JSON.stringify(part.etag)} does not match the uploaded part's ${JSON.stringify(actualMd5)}; send the ETag UploadPart returned`,
    );
  }
}

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, then `-<number of parts>`. */
export function multipartEtag(partMd5s: string[]): string {
  const hash = createHash("md5");
  for (const md5 of partMd5s) hash.update(Buffer.from(md5, "hex"));
  return `${hash.digest("hex")}-${partMd5s.length}`;
}
