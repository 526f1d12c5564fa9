import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsCommand,
  type ListObjectsCommandOutput,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { Logger } from "pino";
import { compareUtf8 } from "../../compare-utf8.js";
import { isNotFound, storeError } from "./errors.js";
import type { S3StoreOptions } from "./options.js";

/**
 * The one physical bucket, through the SDK's client: the calls every part of the S3 backend
 * makes, each failure mapped for the caller (`storeError`).
 */
export class S3Store {
  readonly client: S3Client;
  readonly bucket: string;
  /** How messages name the store: its endpoint, or AWS S3 and the region. */
  readonly endpoint: string;

  constructor(
    opts: S3StoreOptions,
    readonly logger: Logger,
  ) {
    this.bucket = opts.bucket;
    this.endpoint = opts.endpoint || `AWS S3 (${opts.region})`;
    this.client = new S3Client({
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      region: opts.region,
      forcePathStyle: opts.forcePathStyle,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      // The SDK logs every command's input and output at info: that stays at trace here.
      logger: sdkLogger(logger),
      // Stores without the 2024 flexible checksums (aws-chunked bodies) keep working.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  /** Awaits a store call, mapping its failure for the caller. */
  async call<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      throw this.mapped(err);
    }
  }

  mapped(err: unknown): unknown {
    return storeError(err, this.endpoint);
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse((await out.Body?.transformToString("utf8")) ?? "null") ?? undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.mapped(err);
    }
  }

  async putJson(key: string, value: unknown): Promise<void> {
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

  async delete(key: string): Promise<void> {
    await this.call(this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  /** Deletes every object under `prefix`; returns how many. */
  async purge(prefix: string): Promise<number> {
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
  async *pages(prefix: string, delimiter = ""): AsyncGenerator<ListObjectsCommandOutput> {
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
  listPage(
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
