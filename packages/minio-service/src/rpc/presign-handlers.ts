import { dateToTimestamp } from "@isa-cloud/proto";
import { callerOf, resolveBucket } from "../access.js";
import {
  normalizeContentType,
  presignSeconds,
  validateObjectKey,
  validateResponseOverrides,
} from "../validation.js";
import type { Impl, ServiceDeps } from "./deps.js";

type PresignMethods = Pick<Impl, "getPresignedURL" | "getPresignedPutURL">;

/**
 * Access is checked when the URL is made; the URL then grants its one operation to whoever
 * holds it until it expires, as S3's do.
 */
export function presignHandlers({ backend }: ServiceDeps): PresignMethods {
  return {
    async getPresignedURL(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      validateObjectKey(req.objectKey);
      const expiresInSeconds = presignSeconds(req.expirySeconds);
      const responseOverrides = validateResponseOverrides(req.requestParams);
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "read");
      const { url, expiresAt } = await backend.presign(loc, req.objectKey, {
        method: "GET",
        expiresInSeconds,
        responseOverrides,
        ownerId: caller.userId,
      });
      return { success: true, url, expiresAt: dateToTimestamp(expiresAt), error: "" };
    },

    async getPresignedPutURL(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      validateObjectKey(req.objectKey);
      const expiresInSeconds = presignSeconds(req.expirySeconds);
      const contentType = req.contentType ? normalizeContentType(req.contentType) : undefined;
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "write");
      const { url, expiresAt } = await backend.presign(loc, req.objectKey, {
        method: "PUT",
        expiresInSeconds,
        ...(contentType !== undefined ? { contentType } : {}),
        ownerId: caller.userId,
      });
      return { success: true, url, expiresAt: dateToTimestamp(expiresAt), error: "" };
    },
  };
}
