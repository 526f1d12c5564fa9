import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { BucketLocation } from "../../tenant.js";
import type { PresignRequest } from "../backend.js";
import { physicalKey } from "./layout.js";
import { isaMetadata } from "./object-metadata.js";
import type { S3Store } from "./store.js";

/** The store's own presigned URL (SigV4) for one GET or PUT of the object. */
export async function presignS3(
  store: S3Store,
  loc: BucketLocation,
  key: string,
  request: PresignRequest,
): Promise<{ url: string; expiresAt: Date }> {
  const Key = physicalKey(loc, key);
  const o = request.responseOverrides ?? {};
  const command =
    request.method === "GET"
      ? new GetObjectCommand({
          Bucket: store.bucket,
          Key,
          ResponseCacheControl: o["response-cache-control"],
          ResponseContentDisposition: o["response-content-disposition"],
          ResponseContentEncoding: o["response-content-encoding"],
          ResponseContentLanguage: o["response-content-language"],
          ResponseContentType: o["response-content-type"],
          ...(o["response-expires"] ? { ResponseExpires: new Date(o["response-expires"]) } : {}),
        })
      : new PutObjectCommand({
          Bucket: store.bucket,
          Key,
          ContentType: request.contentType,
          Metadata: isaMetadata(request.ownerId, {}),
        });
  const expiresAt = new Date(Date.now() + request.expiresInSeconds * 1000);
  // The presigner is a separately versioned package; its client type lags client-s3's.
  const url = await getSignedUrl(store.client as never, command as never, {
    expiresIn: request.expiresInSeconds,
    // As with the filesystem backend, a PUT must then declare the content type it was signed for.
    ...(request.method === "PUT" && request.contentType
      ? { signableHeaders: new Set(["content-type"]) }
      : {}),
  });
  return { url, expiresAt };
}
