import { NotFoundError } from "@isa-cloud/rpc/wire";
import { type ClientContext, callOptions } from "./client-context.js";
import { fromBucketPolicy, toBucketInfo, toPolicyName } from "./convert.js";
import { assertSuccess, invalidArgument } from "./errors.js";
import type {
  BucketInfo,
  BucketPolicy,
  CallOptions,
  CannedPolicy,
  CreateBucketOptions,
  DeleteBucketOptions,
  ListBucketsOptions,
} from "./types.js";

/** Creates a bucket owned by the caller, or by `organizationId`. */
export async function createBucket(
  ctx: ClientContext,
  name: string,
  opts?: CreateBucketOptions,
): Promise<BucketInfo> {
  const response = await ctx.rpc.createBucket(
    {
      bucketName: name,
      organizationId: opts?.organizationId ?? "",
      region: opts?.region ?? "",
      tags: opts?.tags ?? {},
    },
    callOptions(opts),
  );
  return toBucketInfo(assertSuccess("CreateBucket", response).bucketInfo);
}

/** The caller's buckets, or an organization's. */
export async function listBuckets(
  ctx: ClientContext,
  opts?: ListBucketsOptions,
): Promise<BucketInfo[]> {
  const response = await ctx.rpc.listBuckets(
    { prefix: opts?.prefix ?? "", organizationId: opts?.organizationId ?? "" },
    callOptions(opts),
  );
  return assertSuccess("ListBuckets", response).buckets.map(toBucketInfo);
}

/** True when the caller can see a bucket of this name. */
export async function bucketExists(
  ctx: ClientContext,
  name: string,
  opts?: CallOptions,
): Promise<boolean> {
  try {
    await getBucketInfo(ctx, name, opts);
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** A bucket's info, with its size and object count. */
export async function getBucketInfo(
  ctx: ClientContext,
  name: string,
  opts?: CallOptions,
): Promise<BucketInfo> {
  const response = await ctx.rpc.getBucketInfo({ bucketName: name }, callOptions(opts));
  return toBucketInfo(assertSuccess("GetBucketInfo", response).bucketInfo);
}

/** Deletes a bucket; a non-empty one only with `force`. */
export async function deleteBucket(
  ctx: ClientContext,
  name: string,
  opts?: DeleteBucketOptions,
): Promise<{ deletedObjects: number }> {
  const response = await ctx.rpc.deleteBucket(
    { bucketName: name, force: opts?.force ?? false },
    callOptions(opts),
  );
  return { deletedObjects: assertSuccess("DeleteBucket", response).deletedObjects };
}

/** Sets a canned policy, or `{ custom: json }` for an S3-style policy document. */
export async function setBucketPolicy(
  ctx: ClientContext,
  name: string,
  policy: BucketPolicy,
  opts?: CallOptions,
): Promise<void> {
  let wire: ReturnType<typeof fromBucketPolicy>;
  try {
    wire = fromBucketPolicy(policy);
  } catch (error) {
    throw invalidArgument("SetBucketPolicy", (error as Error).message);
  }
  const response = await ctx.rpc.setBucketPolicy({ bucketName: name, ...wire }, callOptions(opts));
  assertSuccess("SetBucketPolicy", response);
}

/** The bucket's policy name and the policy rendered as JSON. */
export async function getBucketPolicy(
  ctx: ClientContext,
  name: string,
  opts?: CallOptions,
): Promise<{ policy: CannedPolicy | "custom"; json: string }> {
  const response = assertSuccess(
    "GetBucketPolicy",
    await ctx.rpc.getBucketPolicy({ bucketName: name }, callOptions(opts)),
  );
  return { policy: toPolicyName(response.policyType), json: response.policyJson };
}
