import { type ClientContext, callOptions } from "./client-context.js";
import { toDate } from "./convert.js";
import { assertSuccess } from "./errors.js";
import type { PresignedUrl, PresignOptions, PresignPutOptions } from "./types.js";

/** A URL that downloads the object over plain HTTP until it expires; `userId` as in the guide. */
export async function presignedGetUrl(
  ctx: ClientContext,
  bucket: string,
  key: string,
  opts?: PresignOptions,
  userId = "",
): Promise<PresignedUrl> {
  const response = assertSuccess(
    "GetPresignedURL",
    await ctx.rpc.getPresignedURL(
      { bucketName: bucket, objectKey: key, userId, expirySeconds: opts?.expirySeconds ?? 0 },
      callOptions(opts),
    ),
  );
  return { url: response.url, expiresAt: toDate(response.expiresAt) };
}

/** A URL that uploads the object with a plain HTTP PUT until it expires; `userId` as in the guide. */
export async function presignedPutUrl(
  ctx: ClientContext,
  bucket: string,
  key: string,
  opts?: PresignPutOptions,
  userId = "",
): Promise<PresignedUrl> {
  const response = assertSuccess(
    "GetPresignedPutURL",
    await ctx.rpc.getPresignedPutURL(
      {
        bucketName: bucket,
        objectKey: key,
        userId,
        expirySeconds: opts?.expirySeconds ?? 0,
        contentType: opts?.contentType ?? "",
      },
      callOptions(opts),
    ),
  );
  return { url: response.url, expiresAt: toDate(response.expiresAt) };
}
