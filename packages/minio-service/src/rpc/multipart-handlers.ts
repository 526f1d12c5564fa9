import type { minio } from "@isa-cloud/proto";
import { callerOf, resolveBucket } from "../access.js";
import {
  invalidArgument,
  MAX_PART_BYTES,
  nonNegativeField,
  normalizeContentType,
  validateMetadata,
  validateObjectKey,
  validatePartNumber,
} from "../validation.js";
import type { Impl, ServiceDeps } from "./deps.js";
import { bodyOf, readHeader } from "./request-stream.js";

type MultipartMethods = Pick<
  Impl,
  "initiateMultipartUpload" | "uploadPart" | "completeMultipartUpload" | "abortMultipartUpload"
>;

export function multipartHandlers({ backend }: ServiceDeps): MultipartMethods {
  return {
    async initiateMultipartUpload(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      validateObjectKey(req.objectKey);
      const contentType = normalizeContentType(req.contentType);
      validateMetadata(req.metadata);
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "write");
      const uploadId = await backend.createMultipartUpload(loc, req.objectKey, {
        contentType,
        metadata: req.metadata,
        ownerId: caller.userId,
      });
      return {
        success: true,
        uploadId,
        bucketName: req.bucketName,
        objectKey: req.objectKey,
        error: "",
      };
    },

    async uploadPart(requests, ctx) {
      const { header, rest } = await readHeader<minio.UploadPartMetadata>(requests);
      const caller = callerOf(ctx.identity, header.userId);
      validateObjectKey(header.objectKey);
      validatePartNumber(header.partNumber);
      const size = nonNegativeField(header.partSize, "part_size");
      if (size > MAX_PART_BYTES)
        throw invalidArgument(`part_size ${size} is above S3's 5 GiB limit for a part`);
      const { loc } = await resolveBucket(backend, caller, header.bucketName, "write");
      const expected = size > 0 ? size : undefined;
      const etag = await backend.uploadPart(
        loc,
        header.objectKey,
        header.uploadId,
        header.partNumber,
        bodyOf(rest, expected, ctx.signal, "part_size"),
        expected,
      );
      return { success: true, partNumber: header.partNumber, etag, error: "" };
    },

    async completeMultipartUpload(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      validateObjectKey(req.objectKey);
      for (const part of req.parts) validatePartNumber(part.partNumber);
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "write");
      const stored = await backend.completeMultipartUpload(
        loc,
        req.objectKey,
        req.uploadId,
        req.parts,
      );
      return {
        success: true,
        objectKey: stored.key,
        etag: stored.etag,
        location: `${req.bucketName}/${stored.key}`,
        error: "",
      };
    },

    async abortMultipartUpload(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      validateObjectKey(req.objectKey);
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "write");
      await backend.abortMultipartUpload(loc, req.objectKey, req.uploadId);
      return { success: true, message: `upload ${req.uploadId} aborted`, error: "" };
    },
  };
}
