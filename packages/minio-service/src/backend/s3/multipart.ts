import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { KeyedMutex } from "@isa-cloud/rpc-server";
import type { BucketLocation } from "../../tenant.js";
import { normalizeEtag } from "../../validation.js";
import type { CompletedPartRef, PutInput, StoredObject } from "../backend.js";
import type { MultipartOperations } from "../composed-backend.js";
import {
  checkCompletedParts,
  checkPartEtag,
  checkUploadId,
  noSuchUpload,
} from "../multipart-rules.js";
import { type StagedFile, stageBody } from "../staged-file.js";
import { httpStatusOf, isNotFound } from "./errors.js";
import {
  dataPrefix,
  partRecordKey,
  physicalKey,
  uploadRecordKey,
  uploadsPrefix,
} from "./layout.js";
import { mapLimit } from "./map-limit.js";
import { isaMetadata } from "./object-metadata.js";
import { PartBody } from "./part-body.js";
import type { S3Store } from "./store.js";

interface UploadRecord {
  key: string;
  nativeId: string;
  contentType: string;
  metadata: Record<string, string>;
  ownerId: string;
  initiated: string;
}

interface PartRecord {
  md5: string;
  size: number;
  /** The store's ETag for CompleteMultipartUpload (not an MD5 under SSE-KMS). */
  etag: string;
}

/**
 * The store's multipart upload behind our own upload id and records (`.isa/uploads/`), so
 * part ETags and the 5 MiB minimum are checked by us on every store.
 */
export class S3Multipart implements MultipartOperations {
  private readonly locks = new KeyedMutex();

  constructor(private readonly store: S3Store) {}

  async create(loc: BucketLocation, key: string, input: PutInput): Promise<string> {
    const out = await this.store.call(
      this.store.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.store.bucket,
          Key: physicalKey(loc, key),
          ContentType: input.contentType,
          Metadata: isaMetadata(input.ownerId, input.metadata),
        }),
      ),
    );
    if (!out.UploadId) throw new Error("the S3 store returned no UploadId");
    const uploadId = randomBytes(16).toString("hex");
    const record: UploadRecord = {
      key,
      nativeId: out.UploadId,
      contentType: input.contentType,
      metadata: input.metadata,
      ownerId: input.ownerId,
      initiated: new Date().toISOString(),
    };
    await this.store.putJson(uploadRecordKey(loc, uploadId), record);
    return uploadId;
  }

  async uploadPart(
    loc: BucketLocation,
    key: string,
    uploadId: string,
    partNumber: number,
    body: AsyncIterable<Uint8Array>,
    size: number | undefined,
  ): Promise<string> {
    const upload = await this.record(loc, key, uploadId);
    // S3 wants each part's length up front: a part of unknown size is spooled to disk first
    // (unhashed: PartBody hashes it as it is sent).
    let spool: StagedFile | undefined;
    let counted: PartBody;
    let length: number;
    if (size === undefined) {
      const staged = await stageBody(tmpdir(), body, { namePrefix: "isa-minio-part-", md5: false });
      spool = staged;
      length = staged.size;
      counted = new PartBody(createReadStream(staged.path));
    } else {
      counted = new PartBody(body);
      length = size;
    }
    try {
      const out = await this.store.client.send(
        new UploadPartCommand({
          Bucket: this.store.bucket,
          Key: physicalKey(loc, key),
          UploadId: upload.nativeId,
          PartNumber: partNumber,
          Body: counted.readable(),
          ContentLength: length,
        }),
        { abortSignal: counted.signal },
      );
      const record: PartRecord = { md5: counted.md5(), size: length, etag: out.ETag ?? "" };
      await this.store.putJson(partRecordKey(loc, uploadId, partNumber), record);
      return record.md5;
    } catch (err) {
      // A failed part may have left a truncated copy at a lax store: forget the part, so
      // Complete insists on a good upload of it.
      await this.store.delete(partRecordKey(loc, uploadId, partNumber)).catch(() => {});
      if (counted.error) throw counted.error;
      if (isNotFound(err)) throw noSuchUpload(uploadId, key);
      throw this.store.mapped(err);
    } finally {
      await spool?.discard();
    }
  }

  complete(
    loc: BucketLocation,
    key: string,
    uploadId: string,
    parts: CompletedPartRef[],
  ): Promise<StoredObject> {
    return this.locks.run(uploadId, async () => {
      const upload = await this.record(loc, key, uploadId);
      const records = new Map<number, PartRecord>();
      await mapLimit(parts, 16, async (part) => {
        const record = await this.store.getJson<PartRecord>(
          partRecordKey(loc, uploadId, part.partNumber),
        );
        if (record) records.set(part.partNumber, record);
      });
      checkCompletedParts(parts, (n) => records.get(n)?.size);
      for (const part of parts)
        checkPartEtag(part, (records.get(part.partNumber) as PartRecord).md5);
      const out = await this.store.call(
        this.store.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.store.bucket,
            Key: physicalKey(loc, key),
            UploadId: upload.nativeId,
            MultipartUpload: {
              Parts: parts.map((part) => ({
                PartNumber: part.partNumber,
                ETag: (records.get(part.partNumber) as PartRecord).etag,
              })),
            },
          }),
        ),
      );
      await this.dropRecords(loc, uploadId);
      let size = 0;
      for (const part of parts) size += (records.get(part.partNumber) as PartRecord).size;
      return {
        key,
        size,
        etag: normalizeEtag(out.ETag ?? ""),
        contentType: upload.contentType,
        lastModified: new Date(),
        metadata: upload.metadata,
        ownerId: upload.ownerId,
      };
    });
  }

  abort(loc: BucketLocation, key: string, uploadId: string): Promise<void> {
    return this.locks.run(uploadId, async () => {
      const upload = await this.record(loc, key, uploadId);
      // Our records go first: the upload id is dead for every caller whatever the store does.
      await this.dropRecords(loc, uploadId);
      await this.abortNative(physicalKey(loc, key), upload.nativeId);
    });
  }

  /** Aborts every upload of the bucket (ours are recorded, so no ListMultipartUploads is needed). */
  async abortAll(loc: BucketLocation): Promise<void> {
    const prefix = uploadsPrefix(loc);
    for await (const page of this.store.pages(prefix, "/")) {
      for (const item of page.Contents ?? []) {
        const record = item.Key ? await this.store.getJson<UploadRecord>(item.Key) : undefined;
        if (record) await this.abortNative(dataPrefix(loc) + record.key, record.nativeId);
      }
    }
    await this.store.purge(prefix);
  }

  private async record(loc: BucketLocation, key: string, uploadId: string): Promise<UploadRecord> {
    checkUploadId(uploadId, key);
    const record = await this.store.getJson<UploadRecord>(uploadRecordKey(loc, uploadId));
    if (!record || record.key !== key) throw noSuchUpload(uploadId, key);
    return record;
  }

  private async dropRecords(loc: BucketLocation, uploadId: string): Promise<void> {
    await this.store.purge(`${uploadsPrefix(loc)}${uploadId}/`);
    await this.store.delete(uploadRecordKey(loc, uploadId));
  }

  private async abortNative(physical: string, nativeId: string): Promise<void> {
    try {
      await this.store.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.store.bucket,
          Key: physical,
          UploadId: nativeId,
        }),
      );
    } catch (err) {
      if (isNotFound(err)) return;
      // s3rver, for one, has no AbortMultipartUpload; the store's own expiry rules reclaim the parts.
      this.store.logger.warn(
        { err: (err as Error).message, status: httpStatusOf(err), key: physical },
        "the S3 store did not abort a multipart upload; its parts stay until the store expires them",
      );
    }
  }
}
