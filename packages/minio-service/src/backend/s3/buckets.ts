import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ServerError, Status } from "nice-grpc";
import { compareUtf8 } from "../../compare-utf8.js";
import type { BucketLocation, Tenant } from "../../tenant.js";
import type { BucketMeta } from "../backend.js";
import type { BucketOperations } from "../composed-backend.js";
import { httpStatusOf } from "./errors.js";
import { bucketMetaKey, bucketsPrefix, dataPrefix } from "./layout.js";
import { mapLimit } from "./map-limit.js";
import type { S3Multipart } from "./multipart.js";
import type { S3Store } from "./store.js";

/** Buckets as JSON records under `.isa/buckets/` and a key prefix each; see the README's "S3 backend". */
export class S3Buckets implements BucketOperations {
  constructor(
    private readonly store: S3Store,
    private readonly uploads: S3Multipart,
  ) {}

  async create(loc: BucketLocation, meta: BucketMeta): Promise<void> {
    const key = bucketMetaKey(loc);
    const exists = () =>
      new ServerError(Status.ALREADY_EXISTS, `bucket ${JSON.stringify(loc.bucket)} already exists`);
    if (await this.store.getJson(key)) throw exists();
    // Leftovers of a deleted bucket of the same name (a put that raced the delete) must not reappear.
    await this.store.purge(dataPrefix(loc));
    await this.uploads.abortAll(loc);
    try {
      await this.store.client.send(
        new PutObjectCommand({
          Bucket: this.store.bucket,
          Key: key,
          Body: JSON.stringify(meta),
          ContentType: "application/json",
          IfNoneMatch: "*",
        }),
      );
    } catch (err) {
      if (httpStatusOf(err) === 412) throw exists();
      if (httpStatusOf(err) !== 501) throw this.store.mapped(err);
      await this.store.putJson(key, meta); // a store without conditional writes: the check above has to do
    }
  }

  get(loc: BucketLocation): Promise<BucketMeta | undefined> {
    return this.store.getJson<BucketMeta>(bucketMetaKey(loc));
  }

  async update(loc: BucketLocation, meta: BucketMeta): Promise<void> {
    await this.store.putJson(bucketMetaKey(loc), meta);
  }

  async list(tenant: Tenant): Promise<BucketMeta[]> {
    const keys: string[] = [];
    for await (const page of this.store.pages(bucketsPrefix(tenant), "/")) {
      for (const item of page.Contents ?? []) {
        if (item.Key?.endsWith(".json")) keys.push(item.Key);
      }
    }
    const metas = await mapLimit(keys, 16, (key) => this.store.getJson<BucketMeta>(key));
    return metas
      .filter((meta): meta is BucketMeta => meta !== undefined)
      .sort((a, b) => compareUtf8(a.name, b.name));
  }

  async delete(loc: BucketLocation, force: boolean): Promise<number> {
    if (!force) {
      const first = await this.store.listPage(dataPrefix(loc), "", "", 1);
      if ((first.Contents ?? []).length > 0) {
        throw new ServerError(
          Status.FAILED_PRECONDITION,
          `bucket ${JSON.stringify(loc.bucket)} is not empty; delete its objects first, or pass force`,
        );
      }
    }
    // The metadata goes first: the bucket is gone for every caller before its objects are.
    await this.store.delete(bucketMetaKey(loc));
    const count = await this.store.purge(dataPrefix(loc));
    await this.uploads.abortAll(loc);
    return count;
  }

  async usage(loc: BucketLocation): Promise<{ sizeBytes: number; objectCount: number }> {
    let sizeBytes = 0;
    let objectCount = 0;
    for await (const page of this.store.pages(dataPrefix(loc))) {
      for (const item of page.Contents ?? []) {
        sizeBytes += item.Size ?? 0;
        objectCount++;
      }
    }
    return { sizeBytes, objectCount };
  }
}
