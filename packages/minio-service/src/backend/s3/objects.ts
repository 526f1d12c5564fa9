import { Readable } from "node:stream";
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { ServerError, Status } from "nice-grpc";
import type { BucketLocation } from "../../tenant.js";
import { type ByteRange, normalizeEtag, resolveRange } from "../../validation.js";
import type { CopyInput, PutInput, ReadChunking, StoredObject } from "../backend.js";
import type { ObjectOperations } from "../composed-backend.js";
import { bodyIntoRooms } from "./body-into-rooms.js";
import { httpStatusOf, isNotFound } from "./errors.js";
import { physicalKey } from "./layout.js";
import { isaMetadata, storedFrom } from "./object-metadata.js";
import type { S3Store } from "./store.js";
import { putStreamed } from "./streamed-put.js";

/** Objects as objects of the store under their bucket's prefix; see the README's "S3 backend". */
export class S3Objects implements ObjectOperations {
  constructor(private readonly store: S3Store) {}

  async put(
    loc: BucketLocation,
    key: string,
    body: AsyncIterable<Uint8Array>,
    input: PutInput,
  ): Promise<StoredObject> {
    // The store's ETag is the answer (an MD5 for a single PUT, MD5-of-MD5s for a multipart
    // one at AWS), so the bytes are not hashed here too. Always streamed in whole parts,
    // even with a known length: a body that fails midway never reaches the store.
    const put = await putStreamed(
      this.store,
      {
        Key: physicalKey(loc, key),
        ContentType: input.contentType,
        Metadata: isaMetadata(input.ownerId, input.metadata),
      },
      body,
    );
    // A store that answers a PUT without an ETag still has one for HEAD.
    const etag = put.etag ?? (await this.stat(loc, key))?.etag ?? "";
    return {
      key,
      size: put.size,
      etag: normalizeEtag(etag),
      contentType: input.contentType,
      lastModified: new Date(),
      metadata: input.metadata,
      ownerId: input.ownerId,
    };
  }

  async stat(loc: BucketLocation, key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.store.client.send(
        new HeadObjectCommand({ Bucket: this.store.bucket, Key: physicalKey(loc, key) }),
      );
      return storedFrom(key, out, out.ContentLength ?? 0);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.store.mapped(err);
    }
  }

  async get(
    loc: BucketLocation,
    key: string,
    want: { offset: number; length: number },
    chunking?: ReadChunking,
  ): Promise<{ info: StoredObject; range: ByteRange; body: Readable } | undefined> {
    const ranged = want.offset > 0 || want.length > 0;
    const last = want.length > 0 ? String(want.offset + want.length - 1) : "";
    try {
      const out = await this.store.client.send(
        new GetObjectCommand({
          Bucket: this.store.bucket,
          Key: physicalKey(loc, key),
          ...(ranged ? { Range: `bytes=${want.offset}-${last}` } : {}),
        }),
      );
      const total = totalSize(out.ContentRange, out.ContentLength ?? 0);
      const body = out.Body as Readable;
      return {
        info: storedFrom(key, out, total),
        range: resolveRange(total, want.offset, want.length),
        body:
          chunking && out.ContentLength !== undefined
            ? bodyIntoRooms(body, out.ContentLength, chunking)
            : body,
      };
    } catch (err) {
      if (err instanceof ServerError) throw err;
      if (isNotFound(err)) return undefined;
      if (httpStatusOf(err) !== 416) throw this.store.mapped(err);
      // A range starting at the end (or an empty object): S3 says 416, we answer with no bytes.
      const info = await this.stat(loc, key);
      if (!info) return undefined;
      return {
        info,
        range: resolveRange(info.size, want.offset, want.length),
        body: Readable.from([]),
      };
    }
  }

  async delete(loc: BucketLocation, key: string): Promise<void> {
    await this.store.delete(physicalKey(loc, key));
  }

  async copy(
    src: BucketLocation,
    srcKey: string,
    dst: BucketLocation,
    dstKey: string,
    input: CopyInput,
  ): Promise<StoredObject> {
    const source = await this.stat(src, srcKey);
    if (!source) throw sourceMissing(srcKey);
    const metadata = input.replaceMetadata ? input.metadata : source.metadata;
    const sourceKey = physicalKey(src, srcKey);
    const { bucket } = this.store;
    try {
      const out = await this.store.client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: physicalKey(dst, dstKey),
          CopySource: `${bucket}/${sourceKey.split("/").map(encodeURIComponent).join("/")}`,
          CopySourceIfMatch: `"${source.etag}"`,
          // Always REPLACE at the store: the copy's owner is whoever copies.
          MetadataDirective: "REPLACE",
          ContentType: source.contentType,
          Metadata: isaMetadata(input.ownerId, metadata),
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
      if (isNotFound(err)) throw sourceMissing(srcKey);
      throw this.store.mapped(err);
    }
  }
}

function sourceMissing(srcKey: string): ServerError {
  return new ServerError(
    Status.NOT_FOUND,
    `source object ${JSON.stringify(srcKey)} does not exist`,
  );
}

/** The object's full size from `Content-Range: bytes a-b/total`, else the body's length. */
function totalSize(contentRange: string | undefined, contentLength: number): number {
  const match = contentRange ? /\/(\d+)$/.exec(contentRange) : null;
  return match ? Number(match[1]) : contentLength;
}
