import type { minio } from "@isa-cloud/proto";
import { readFileRange, withProgress } from "./body-source.js";
import { assertSuccess } from "./errors.js";
import { planParts } from "./multipart-plan.js";
import type { MinioRpc } from "./rpc-types.js";
import { runBounded } from "./run-bounded.js";
import type { Progress } from "./types.js";

export interface MultipartUploadArgs {
  bucket: string;
  key: string;
  path: string;
  size: number;
  partSize: number;
  concurrency: number;
  chunkSize: number;
  contentType: string;
  metadata: Record<string, string>;
  onProgress: ((progress: Progress) => void) | undefined;
  signal: AbortSignal | undefined;
  /**
   * For the part and complete calls, whose time grows with the object (Complete
   * assembles it), so they get no default deadline; undefined = none.
   */
  transferDeadline: Date | number | undefined;
}

/**
 * Initiate, parts in parallel, Complete in part order. Any failure, the
 * caller's abort included, ends in AbortMultipartUpload, so the service keeps
 * neither an object nor orphaned parts.
 */
export async function multipartUpload(
  rpc: MinioRpc,
  args: MultipartUploadArgs,
): Promise<{ etag: string; size: number }> {
  const { bucket, key, signal } = args;
  const plan = planParts(args.size, args.partSize);
  const initiated = assertSuccess(
    "InitiateMultipartUpload",
    await rpc.initiateMultipartUpload(
      {
        bucketName: bucket,
        objectKey: key,
        contentType: args.contentType,
        metadata: args.metadata,
      },
      signal ? { signal } : {},
    ),
  );
  const target = { bucketName: bucket, objectKey: key, uploadId: initiated.uploadId };
  // An explicit undefined overrides the client's unary default for Complete.
  const transfer = { deadline: args.transferDeadline };

  // Parts report cumulative bytes of their own; the caller wants one total.
  let sent = 0;
  const report = args.onProgress;
  const uploadPart = async (
    part: (typeof plan)[number],
    partSignal: AbortSignal,
  ): Promise<minio.CompletedPart> => {
    let partSent = 0;
    async function* requests(): AsyncGenerator<minio.UploadPartRequest> {
      yield {
        payload: {
          $case: "metadata",
          value: {
            ...target,
            userId: "",
            partNumber: part.partNumber,
            partSize: BigInt(part.length),
          },
        },
      };
      const chunks = readFileRange(args.path, part.offset, part.length, args.chunkSize);
      for await (const chunk of withProgress(chunks, (bytes) => {
        sent += bytes - partSent;
        partSent = bytes;
        report?.({ bytes: sent, total: args.size });
      })) {
        yield { payload: { $case: "chunk", value: chunk } };
      }
    }
    const response = assertSuccess(
      "UploadPart",
      await rpc.uploadPart(requests(), { ...transfer, signal: partSignal }),
    );
    return { partNumber: part.partNumber, etag: response.etag };
  };

  try {
    const parts = await runBounded(plan, args.concurrency, uploadPart, signal);
    const completed = assertSuccess(
      "CompleteMultipartUpload",
      await rpc.completeMultipartUpload(
        { ...target, parts },
        { ...transfer, ...(signal ? { signal } : {}) },
      ),
    );
    return { etag: completed.etag, size: args.size };
  } catch (error) {
    // Not under the caller's signal: it may be the very thing that fired. A failed
    // abort is not reported over the original error, which is what the caller needs.
    await rpc.abortMultipartUpload(target).catch(() => {});
    throw error;
  }
}
