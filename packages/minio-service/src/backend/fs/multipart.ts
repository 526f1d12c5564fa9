import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import type { BucketLocation } from "../../tenant.js";
import type { CompletedPartRef, PutInput, StoredObject } from "../backend.js";
import type { MultipartOperations } from "../composed-backend.js";
import {
  checkCompletedParts,
  checkPartEtag,
  checkUploadId,
  multipartEtag,
  noSuchUpload,
} from "../multipart-rules.js";
import { stageBody } from "../staged-file.js";
import { requireBucket } from "./buckets.js";
import type { FsContext } from "./context.js";
import { isMissing, readJson, removeTree, writeJsonAtomic } from "./files.js";
import { partName, UPLOAD_FILE, type UploadRecord } from "./layout.js";
import { type FsObjects, READ_CHUNK } from "./objects.js";

/**
 * Multipart uploads as directories `uploads/<id>/` of the bucket, holding `upload.json` and
 * one file per part; Complete concatenates the parts and commits as PutObject does.
 */
export class FsMultipart implements MultipartOperations {
  constructor(
    private readonly fs: FsContext,
    private readonly objects: FsObjects,
  ) {}

  async create(loc: BucketLocation, key: string, input: PutInput): Promise<string> {
    const { layout } = this.fs;
    layout.objectDir(loc, key);
    const uploadId = randomBytes(16).toString("hex");
    const staging = join(layout.tmp, `upload-${uploadId}`);
    await mkdir(staging);
    const record: UploadRecord = {
      key,
      contentType: input.contentType,
      metadata: input.metadata,
      ownerId: input.ownerId,
      initiated: new Date().toISOString(),
    };
    await writeJsonAtomic(layout.tmp, join(staging, UPLOAD_FILE), record);
    await this.fs.bucketLocks.shared(layout.bucketKey(loc), async () => {
      await requireBucket(this.fs, loc);
      await mkdir(layout.uploadsDir(loc), { recursive: true });
      await rename(staging, layout.uploadDir(loc, uploadId));
    });
    return uploadId;
  }

  /** Staged whole, then renamed over the part's file: re-sending a part replaces it. */
  async uploadPart(
    loc: BucketLocation,
    key: string,
    uploadId: string,
    partNumber: number,
    body: AsyncIterable<Uint8Array>,
  ): Promise<string> {
    await this.record(loc, key, uploadId);
    const staged = await stageBody(this.fs.layout.tmp, body);
    try {
      await this.fs.keyLocks.run(`upload:${uploadId}`, async () => {
        await this.record(loc, key, uploadId);
        await staged.moveTo(join(this.fs.layout.uploadDir(loc, uploadId), partName(partNumber)));
      });
    } catch (err) {
      await staged.discard();
      if (isMissing(err)) throw noSuchUpload(uploadId, key);
      throw err;
    }
    return staged.md5;
  }

  complete(
    loc: BucketLocation,
    key: string,
    uploadId: string,
    parts: CompletedPartRef[],
  ): Promise<StoredObject> {
    return this.fs.keyLocks.run(`upload:${uploadId}`, async () => {
      const upload = await this.record(loc, key, uploadId);
      const dir = this.fs.layout.uploadDir(loc, uploadId);
      const sizes = new Map<number, number>();
      for (const part of parts) {
        const info = await stat(join(dir, partName(part.partNumber))).catch(() => undefined);
        if (info) sizes.set(part.partNumber, info.size);
      }
      checkCompletedParts(parts, (n) => sizes.get(n));
      const md5s: string[] = [];
      async function* concatenated(): AsyncGenerator<Uint8Array> {
        for (const part of parts) {
          const hash = createHash("md5");
          for await (const chunk of createReadStream(join(dir, partName(part.partNumber)), {
            highWaterMark: READ_CHUNK,
          })) {
            hash.update(chunk as Buffer);
            yield chunk as Buffer;
          }
          const md5 = hash.digest("hex");
          checkPartEtag(part, md5);
          md5s.push(md5);
        }
      }
      // The object's ETag is made of its parts' MD5s (checked above), not its own.
      const staged = await stageBody(this.fs.layout.tmp, concatenated(), { md5: false });
      const stored = await this.objects.commit(loc, key, staged, {
        size: staged.size,
        etag: multipartEtag(md5s),
        contentType: upload.contentType,
        metadata: upload.metadata,
        ownerId: upload.ownerId,
      });
      await removeTree(dir);
      return stored;
    });
  }

  async abort(loc: BucketLocation, key: string, uploadId: string): Promise<void> {
    await this.fs.keyLocks.run(`upload:${uploadId}`, async () => {
      await this.record(loc, key, uploadId);
      await removeTree(this.fs.layout.uploadDir(loc, uploadId));
    });
  }

  private async record(loc: BucketLocation, key: string, uploadId: string): Promise<UploadRecord> {
    checkUploadId(uploadId, key);
    const record = await readJson<UploadRecord>(
      join(this.fs.layout.uploadDir(loc, uploadId), UPLOAD_FILE),
    );
    if (!record || record.key !== key) throw noSuchUpload(uploadId, key);
    return record;
  }
}
