import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsCommand,
  type ListObjectsCommandOutput,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { ServerError, Status } from "nice-grpc";
import type { Logger } from "pino";
import { compareUtf8 } from "../compare-utf8.js";
import { KeyedMutex } from "../locks.js";
import type { BucketLocation, Tenant } from "../tenant.js";
import { DEFAULT_CONTENT_TYPE, normalizeEtag, resolveRange } from "../validation.js";
import type {
  BackendHealth,
  BucketMeta,
  CompletedPartRef,
  CopyInput,
  ListEntry,
  ListPage,
  ListQuery,
  PresignRequest,
  PutInput,
  StorageBackend,
  StoredObject,
} from "./backend.js";
import { writeBodyToFile } from "./fs-files.js";
import {
  checkCompletedParts,
  checkPartEtag,
  checkUploadId,
  noSuchUpload,
} from "./multipart-rules.js";
import { httpStatusOf, isNotFound, storeError } from "./s3-errors.js";
import {
  bucketMetaKey,
  bucketsPrefix,
  dataPrefix,
  decodeIsaMeta,
  encodeIsaMeta,
  partRecordKey,
  physicalKey,
  uploadRecordKey,
  uploadsPrefix,
} from "./s3-layout.js";

export interface S3BackendOptions {
  /** Empty for AWS S3. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** The one physical bucket holding every tenant's data. */
  bucket: string;
  logger: Logger;
}

/** lib-storage part size and parallelism: about 16-24 MiB in memory per upload. */
const UPLOAD_PART_BYTES = 8 * 1024 * 1024;
const UPLOAD_QUEUE = 2;
const METADATA_KEY = "isa";

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

/** Everything in one bucket of an S3-compatible store; see the README's "S3 backend". */
export class S3Backend implements StorageBackend {
  readonly kind = "s3";
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly endpoint: string;
  private readonly uploadLocks = new KeyedMutex();

  constructor(private readonly opts: S3BackendOptions) {
    this.bucket = opts.bucket;
    this.endpoint = opts.endpoint || `AWS S3 (${opts.region})`;
    this.client = new S3Client({
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      region: opts.region,
      forcePathStyle: opts.forcePathStyle,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      // The SDK logs every command's input and output at info: that stays at trace here.
      logger: sdkLogger(opts.logger),
      // Stores without the 2024 flexible checksums (aws-chunked bodies) keep working.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  async start(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw this.mapped(err);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      this.opts.logger.info(
        { bucket: this.bucket, endpoint: this.endpoint },
        "created the S3 bucket",
      );
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists")
        throw this.mapped(err);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  async health(): Promise<BackendHealth> {
    const started = performance.now();
    const details = { backend: "s3", endpoint: this.endpoint, bucket: this.bucket };
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return {
        healthy: true,
        details: { ...details, latencyMs: Math.round((performance.now() - started) * 1000) / 1000 },
      };
    } catch (err) {
      const mapped = this.mapped(err);
      return { healthy: false, details, error: (mapped as Error).message };
    }
  }

  // ---- buckets

  async createBucket(loc: BucketLocation, meta: BucketMeta): Promise<void> {
    const key = bucketMetaKey(loc);
    const exists = () =>
      new ServerError(Status.ALREADY_EXISTS, `bucket ${JSON.stringify(loc.bucket)} already exists`);
    if (await this.getJson(key)) throw exists();
    // Leftovers of a deleted bucket of the same name (a put that raced the delete) must not reappear.
    await this.purge(dataPrefix(loc));
    await this.dropUploads(loc);
    const body = JSON.stringify(meta);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          IfNoneMatch: "*",
        }),
      );
    } catch (err) {
      if (httpStatusOf(err) === 412) throw exists();
      if (httpStatusOf(err) !== 501) throw this.mapped(err);
      await this.putJson(key, meta); // a store without conditional writes: the check above has to do
    }
  }

  getBucket(loc: BucketLocation): Promise<BucketMeta | undefined> {
    return this.getJson<BucketMeta>(bucketMetaKey(loc));
  }

  async updateBucket(loc: BucketLocation, meta: BucketMeta): Promise<void> {
    await this.putJson(bucketMetaKey(loc), meta);
  }

  async listBuckets(tenant: Tenant): Promise<BucketMeta[]> {
    const prefix = bucketsPrefix(tenant);
    const keys: string[] = [];
    for await (const page of this.pages(prefix, "/")) {
      for (const item of page.Contents ?? []) {
        if (item.Key?.endsWith(".json")) keys.push(item.Key);
      }
    }
    const metas = await mapLimit(keys, 16, (key) => this.getJson<BucketMeta>(key));
    return metas
      .filter((meta): meta is BucketMeta => meta !== undefined)
      .sort((a, b) => compareUtf8(a.name, b.name));
  }

  async deleteBucket(loc: BucketLocation, force: boolean): Promise<number> {
    if (!force) {
      const first = await this.listPage(dataPrefix(loc), "", "", 1);
      if ((first.Contents ?? []).length > 0) {
        throw new ServerError(
          Status.FAILED_PRECONDITION,
          `bucket ${JSON.stringify(loc.bucket)} is not empty; delete its objects first, or pass force`,
        );
      }
    }
    // The metadata goes first: the bucket is gone for every caller before its objects are.
    await this.call(
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: bucketMetaKey(loc) })),
    );
    const count = await this.purge(dataPrefix(loc));
    await this.dropUploads(loc);
    return count;
  }

  async bucketUsage(loc: BucketLocation): Promise<{ sizeBytes: number; objectCount: number }> {
    let sizeBytes = 0;
    let objectCount = 0;
    for await (const page of this.pages(dataPrefix(loc))) {
      for (const item of page.Contents ?? []) {
        sizeBytes += item.Size ?? 0;
        objectCount++;
      }
    }
    return { sizeBytes, objectCount };
  }

  // ---- objects

  async putObject(
    loc: BucketLocation,
    key: string,
    body: AsyncIterable<Uint8Array>,
    input: PutInput,
  ): Promise<StoredObject> {
    const Key = physicalKey(loc, key);
    const counted = new CountingBody(body);
    const params = {
      Bucket: this.bucket,
      Key,
      ContentType: input.contentType,
      Metadata: { [METADATA_KEY]: encodeIsaMeta(input.ownerId, input.metadata) },
    };
    // Always through lib-storage's Upload, even with a known length: it sends a part (or the
    // whole small object) only once all its bytes are in hand, so a stream that fails midway
    // never reaches the store as a truncated request, which a lax store might keep.
    let etag: string | undefined;
    try {
      const upload = new Upload({
        client: this.client,
        params: { ...params, Body: counted.readable() },
        partSize: UPLOAD_PART_BYTES,
        queueSize: UPLOAD_QUEUE,
        leavePartsOnError: false,
      });
      counted.signal.addEventListener("abort", () => void upload.abort().catch(() => {}));
      etag = (await upload.done()).ETag;
    } catch (err) {
      throw counted.error ?? this.mapped(err);
    }
    return {
      key,
      size: counted.size,
      etag: normalizeEtag(etag ?? counted.md5()),
      contentType: input.contentType,
      lastModified: new Date(),
      metadata: input.metadata,
      ownerId: input.ownerId,
    };
  }

  async statObject(loc: BucketLocation, key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: physicalKey(loc, key) }),
      );
      return storedFrom(key, out, out.ContentLength ?? 0);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.mapped(err);
    }
  }

  async getObject(
    loc: BucketLocation,
    key: string,
    want: { offset: number; length: number },
  ): Promise<
    | {
        info: StoredObject;
        range: { start: number; end: number };
        body: Readable;
      }
    | undefined
  > {
    const ranged = want.offset > 0 || want.length > 0;
    const last = want.length > 0 ? String(want.offset + want.length - 1) : "";
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: physicalKey(loc, key),
          ...(ranged ? { Range: `bytes=${want.offset}-${last}` } : {}),
        }),
      );
      const total = totalSize(out.ContentRange, out.ContentLength ?? 0);
      const info = storedFrom(key, out, total);
      return {
        info,
        range: resolveRange(total, want.offset, want.length),
        body: out.Body as Readable,
      };
    } catch (err) {
      if (err instanceof ServerError) throw err;
      if (isNotFound(err)) return undefined;
      if (httpStatusOf(err) !== 416) throw this.mapped(err);
      // A range starting at the end (or an empty object): S3 says 416, we answer with no bytes.
      const info = await this.statObject(loc, key);
      if (!info) return undefined;
      return {
        info,
        range: resolveRange(info.size, want.offset, want.length),
        body: Readable.from([]),
      };
    }
  }

  async deleteObject(loc: BucketLocation, key: string): Promise<void> {
    await this.call(
      this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: physicalKey(loc, key) }),
      ),
    );
  }

  async listObjects(loc: BucketLocation, q: ListQuery): Promise<ListPage> {
    const base = dataPrefix(loc);
    const wanted = q.limit + 1;
    const entries: ListEntry[] = [];
    let last: string | undefined;
    let marker = q.startAfter;
    for (;;) {
      const out = await this.listPage(
        base + q.prefix,
        q.delimiter,
        marker ? base + marker : "",
        // At least 2: a store may repeat the marker's common prefix first, and must still progress.
        Math.max(2, Math.min(1000, wanted - entries.length)),
      );
      const batch: Array<{ sort: string; entry: ListEntry }> = [];
      for (const item of out.Contents ?? []) {
        if (!item.Key?.startsWith(base)) continue;
        const key = item.Key.slice(base.length);
        batch.push({
          sort: key,
          entry: {
            kind: "object",
            object: {
              key,
              size: item.Size ?? 0,
              etag: normalizeEtag(item.ETag ?? ""),
              lastModified: item.LastModified ?? new Date(0),
            },
          },
        });
      }
      for (const item of out.CommonPrefixes ?? []) {
        if (!item.Prefix?.startsWith(base)) continue;
        const prefix = item.Prefix.slice(base.length);
        batch.push({ sort: prefix, entry: { kind: "prefix", prefix } });
      }
      batch.sort((a, b) => compareUtf8(a.sort, b.sort));
      for (const { sort, entry } of batch) {
        // Whatever the store repeats (a prefix at a page edge, the start point) is dropped here.
        if (last !== undefined && compareUtf8(sort, last) <= 0) continue;
        if (!keep(sort, entry.kind, q)) continue;
        entries.push(entry);
        last = sort;
        if (entries.length === wanted) {
          return { entries: entries.slice(0, q.limit), truncated: true };
        }
      }
      const lastOfBatch = batch.at(-1)?.sort;
      if (!out.IsTruncated || lastOfBatch === undefined || lastOfBatch === marker) {
        return { entries, truncated: false };
      }
      marker = lastOfBatch;
    }
  }

  async copyObject(
    src: BucketLocation,
    srcKey: string,
    dst: BucketLocation,
    dstKey: string,
    input: CopyInput,
  ): Promise<StoredObject> {
    const source = await this.statObject(src, srcKey);
    if (!source)
      throw new ServerError(
        Status.NOT_FOUND,
        `source object ${JSON.stringify(srcKey)} does not exist`,
      );
    const metadata = input.replaceMetadata ? input.metadata : source.metadata;
    const sourceKey = physicalKey(src, srcKey);
    try {
      const out = await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: physicalKey(dst, dstKey),
          CopySource: `${this.bucket}/${sourceKey.split("/").map(encodeURIComponent).join("/")}`,
          CopySourceIfMatch: `"${source.etag}"`,
          // Always REPLACE at the store: the copy's owner is whoever copies.
          MetadataDirective: "REPLACE",
          ContentType: source.contentType,
          Metadata: { [METADATA_KEY]: encodeIsaMeta(input.ownerId, metadata) },
        }),
      );
      return {
        key: dstKey,
        size: source.size,
        etag: normalizeEtag(out.CopyObjectResult?.ETag ?? source.etag),
        contentType: source.contentType,
        lastModified: out.CopyObjectResult?.LastModified ?? new Date(),
        metadata,
        ownerId: input.ownerId,
      };
    } catch (err) {
      if (httpStatusOf(err) === 412) {
        throw new ServerError(
          Status.ABORTED,
          `source object ${JSON.stringify(srcKey)} changed during the copy; retry`,
        );
      }
      if (isNotFound(err)) {
        throw new ServerError(
          Status.NOT_FOUND,
          `source object ${JSON.stringify(srcKey)} does not exist`,
        );
      }
      throw this.mapped(err);
    }
  }

  async presign(
    loc: BucketLocation,
    key: string,
    request: PresignRequest,
  ): Promise<{ url: string; expiresAt: Date }> {
    const Key = physicalKey(loc, key);
    const o = request.responseOverrides ?? {};
    const command =
      request.method === "GET"
        ? new GetObjectCommand({
            Bucket: this.bucket,
            Key,
            ResponseCacheControl: o["response-cache-control"],
            ResponseContentDisposition: o["response-content-disposition"],
            ResponseContentEncoding: o["response-content-encoding"],
            ResponseContentLanguage: o["response-content-language"],
            ResponseContentType: o["response-content-type"],
            ...(o["response-expires"] ? { ResponseExpires: new Date(o["response-expires"]) } : {}),
          })
        : new PutObjectCommand({
            Bucket: this.bucket,
            Key,
            ContentType: request.contentType,
            Metadata: { [METADATA_KEY]: encodeIsaMeta(request.ownerId, {}) },
          });
    const expiresAt = new Date(Date.now() + request.expiresInSeconds * 1000);
    // The presigner is a separately versioned package; its client type lags client-s3's.
    const url = await getSignedUrl(this.client as never, command as never, {
      expiresIn: request.expiresInSeconds,
      // As with the filesystem backend, a PUT must then declare the content type it was signed for.
      ...(request.method === "PUT" && request.contentType
        ? { signableHeaders: new Set(["content-type"]) }
        : {}),
    });
    return { url, expiresAt };
  }

  // ---- multipart

  async createMultipartUpload(loc: BucketLocation, key: string, input: PutInput): Promise<string> {
    const out = await this.call(
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: physicalKey(loc, key),
          ContentType: input.contentType,
          Metadata: { [METADATA_KEY]: encodeIsaMeta(input.ownerId, input.metadata) },
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
    await this.putJson(uploadRecordKey(loc, uploadId), record);
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
    const upload = await this.uploadRecord(loc, key, uploadId);
    // S3 wants each part's length up front: a part of unknown size is spooled to disk first.
    let spool: string | undefined;
    let counted: CountingBody;
    let length: number;
    if (size === undefined) {
      spool = join(tmpdir(), `isa-minio-part-${randomUUID()}`);
      length = (await writeBodyToFile(spool, body)).size;
      counted = new CountingBody(createReadStream(spool));
    } else {
      counted = new CountingBody(body);
      length = size;
    }
    try {
      const out = await this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: physicalKey(loc, key),
          UploadId: upload.nativeId,
          PartNumber: partNumber,
          Body: counted.readable(),
          ContentLength: length,
        }),
        { abortSignal: counted.signal },
      );
      const record: PartRecord = { md5: counted.md5(), size: length, etag: out.ETag ?? "" };
      await this.putJson(partRecordKey(loc, uploadId, partNumber), record);
      return record.md5;
    } catch (err) {
      // A failed part may have left a truncated copy at a lax store: forget the part, so
      // Complete insists on a good upload of it.
      await this.call(
        this.client.send(
          new DeleteObjectCommand({
            Bucket: this.bucket,
            Key: partRecordKey(loc, uploadId, partNumber),
          }),
        ),
      ).catch(() => {});
      if (counted.error) throw counted.error;
      if (isNotFound(err)) throw noSuchUpload(uploadId, key);
      throw this.mapped(err);
    } finally {
      if (spool) await unlink(spool).catch(() => {});
    }
  }

  completeMultipartUpload(
    loc: BucketLocation,
    key: string,
    uploadId: string,
    parts: CompletedPartRef[],
  ): Promise<StoredObject> {
    return this.uploadLocks.run(uploadId, async () => {
      const upload = await this.uploadRecord(loc, key, uploadId);
      const records = new Map<number, PartRecord>();
      await mapLimit(parts, 16, async (part) => {
        const record = await this.getJson<PartRecord>(
          partRecordKey(loc, uploadId, part.partNumber),
        );
        if (record) records.set(part.partNumber, record);
      });
      checkCompletedParts(parts, (n) => records.get(n)?.size);
      for (const part of parts)
        checkPartEtag(part, (records.get(part.partNumber) as PartRecord).md5);
      const out = await this.call(
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
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
      await this.dropUploadRecords(loc, uploadId);
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

  abortMultipartUpload(loc: BucketLocation, key: string, uploadId: string): Promise<void> {
    return this.uploadLocks.run(uploadId, async () => {
      const upload = await this.uploadRecord(loc, key, uploadId);
      // Our records go first: the upload id is dead for every caller whatever the store does.
      await this.dropUploadRecords(loc, uploadId);
      await this.abortNative(physicalKey(loc, key), upload.nativeId);
    });
  }

  // ---- internals

  private async uploadRecord(
    loc: BucketLocation,
    key: string,
    uploadId: string,
  ): Promise<UploadRecord> {
    checkUploadId(uploadId, key);
    const record = await this.getJson<UploadRecord>(uploadRecordKey(loc, uploadId));
    if (!record || record.key !== key) throw noSuchUpload(uploadId, key);
    return record;
  }

  private async dropUploadRecords(loc: BucketLocation, uploadId: string): Promise<void> {
    await this.purge(`${uploadsPrefix(loc)}${uploadId}/`);
    await this.call(
      this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: uploadRecordKey(loc, uploadId) }),
      ),
    );
  }

  /** Aborts every upload of the bucket (ours are recorded, so no ListMultipartUploads is needed). */
  private async dropUploads(loc: BucketLocation): Promise<void> {
    const prefix = uploadsPrefix(loc);
    for await (const page of this.pages(prefix, "/")) {
      for (const item of page.Contents ?? []) {
        const record = item.Key ? await this.getJson<UploadRecord>(item.Key) : undefined;
        if (record) await this.abortNative(dataPrefix(loc) + record.key, record.nativeId);
      }
    }
    await this.purge(prefix);
  }

  private async abortNative(physical: string, nativeId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: physical, UploadId: nativeId }),
      );
    } catch (err) {
      if (isNotFound(err)) return;
      // s3rver, for one, has no AbortMultipartUpload; the store's own expiry rules reclaim the parts.
      this.opts.logger.warn(
        { err: (err as Error).message, status: httpStatusOf(err), key: physical },
        "the S3 store did not abort a multipart upload; its parts stay until the store expires them",
      );
    }
  }

  /** Deletes every object under `prefix`; returns how many. */
  private async purge(prefix: string): Promise<number> {
    let count = 0;
    for await (const page of this.pages(prefix)) {
      const keys = (page.Contents ?? []).flatMap((item) => (item.Key ? [{ Key: item.Key }] : []));
      if (keys.length === 0) continue;
      const out = await this.call(
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }),
        ),
      );
      if (out.Errors && out.Errors.length > 0) {
        const first = out.Errors[0];
        throw new Error(
          `the S3 store failed to delete ${first?.Key}: ${first?.Code} ${first?.Message}`,
        );
      }
      count += keys.length;
    }
    return count;
  }

  /** Every page under `prefix`, following markers. */
  private async *pages(prefix: string, delimiter = ""): AsyncGenerator<ListObjectsCommandOutput> {
    let marker = "";
    for (;;) {
      const page = await this.listPage(prefix, delimiter, marker, 1000);
      yield page;
      const keys = [
        ...(page.Contents ?? []).map((item) => item.Key ?? ""),
        ...(page.CommonPrefixes ?? []).map((item) => item.Prefix ?? ""),
      ].sort(compareUtf8);
      const next = keys.at(-1);
      if (!page.IsTruncated || !next || next === marker) return;
      marker = next;
    }
  }

  /**
   * One ListObjects (v1) page. Marker-based listing works on every S3-compatible store, and
   * we keep our own continuation tokens anyway. (s3rver's v2 continuation tokens use DES,
   * which Node's OpenSSL 3 no longer has: any truncated v2 listing fails there.)
   */
  private listPage(
    prefix: string,
    delimiter: string,
    marker: string,
    maxKeys: number,
  ): Promise<ListObjectsCommandOutput> {
    return this.call(
      this.client.send(
        new ListObjectsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: maxKeys,
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(marker ? { Marker: marker } : {}),
        }),
      ),
    );
  }

  private async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse((await out.Body?.transformToString("utf8")) ?? "null") ?? undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.mapped(err);
    }
  }

  private async putJson(key: string, value: unknown): Promise<void> {
    await this.call(
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(value),
          ContentType: "application/json",
        }),
      ),
    );
  }

  /** Awaits a store call, mapping its failure for the caller. */
  private async call<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      throw this.mapped(err);
    }
  }

  private mapped(err: unknown): unknown {
    return storeError(err, this.endpoint);
  }
}

/** A body on its way to the store: counts and hashes it, and remembers (and signals) its failure. */
class CountingBody {
  size = 0;
  error: unknown;
  private readonly hash = createHash("md5");
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;

  constructor(private readonly source: AsyncIterable<Uint8Array>) {}

  readable(): Readable {
    const stream = Readable.from(this.chunks(), { objectMode: false });
    // The failure reaches the caller through `error` and the aborted request; once the SDK
    // has given up on the stream nobody else listens, and an unheard 'error' would crash us.
    stream.on("error", () => {});
    return stream;
  }

  md5(): string {
    return this.hash.copy().digest("hex");
  }

  private async *chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of this.source) {
        this.size += chunk.byteLength;
        this.hash.update(chunk);
        yield chunk;
      }
    } catch (err) {
      this.error = err;
      // Without this the request would wait for the rest of a body that never comes.
      this.controller.abort(err);
      throw err;
    }
  }
}

function sdkLogger(logger: Logger) {
  const sdk = logger.child({ component: "aws-sdk" });
  return {
    trace: (...args: unknown[]) => sdk.trace({ sdk: args }),
    debug: (...args: unknown[]) => sdk.trace({ sdk: args }),
    info: (...args: unknown[]) => sdk.trace({ sdk: args }),
    warn: (...args: unknown[]) => sdk.warn({ sdk: args }, "S3 client warning"),
    error: (...args: unknown[]) => sdk.error({ sdk: args }, "S3 client error"),
  };
}

function storedFrom(
  key: string,
  out: Pick<HeadObjectCommandOutput, "ETag" | "ContentType" | "LastModified" | "Metadata">,
  size: number,
): StoredObject {
  const { ownerId, metadata } = decodeIsaMeta(out.Metadata?.[METADATA_KEY]);
  return {
    key,
    size,
    etag: normalizeEtag(out.ETag ?? ""),
    contentType: out.ContentType ?? DEFAULT_CONTENT_TYPE,
    lastModified: out.LastModified ?? new Date(0),
    metadata,
    ownerId,
  };
}

/** The object's full size from `Content-Range: bytes a-b/total`, else the body's length. */
function totalSize(contentRange: string | undefined, contentLength: number): number {
  const match = contentRange ? /\/(\d+)$/.exec(contentRange) : null;
  return match ? Number(match[1]) : contentLength;
}

function keep(sort: string, kind: ListEntry["kind"], q: ListQuery): boolean {
  if (q.startAfterIsPrefix && q.startAfter !== "")
    return compareUtf8(sort, q.startAfter) > 0 && !sort.startsWith(q.startAfter);
  // A common prefix before start_after still counts when keys after start_after roll up into it.
  return kind === "prefix" || compareUtf8(sort, q.startAfter) > 0;
}

async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
