import { ServerError, Status } from "nice-grpc";

/** HTTP status of an S3 SDK error, when the store answered. */
export function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
}

export function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return (
    httpStatusOf(err) === 404 ||
    name === "NoSuchKey" ||
    name === "NotFound" ||
    name === "NoSuchUpload"
  );
}

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

/**
 * An error from the store as the caller should see it: unreachable or refusing store
 * UNAVAILABLE (it is the operator's to fix, and the message says what), a request the store
 * rejects INVALID_ARGUMENT; anything else unchanged (INTERNAL, logged, by the middleware).
 */
export function storeError(err: unknown, endpoint: string): unknown {
  if (err instanceof ServerError) return err;
  const code = (err as { code?: string } | undefined)?.code;
  const name = (err as { name?: string } | undefined)?.name ?? "";
  const message = (err as Error | undefined)?.message ?? String(err);
  const status = httpStatusOf(err);
  if ((code && UNREACHABLE.has(code)) || name === "TimeoutError") {
    return new ServerError(
      Status.UNAVAILABLE,
      `the S3 store at ${endpoint} is unreachable (${code ?? name}); check MINIO_S3_ENDPOINT and that the store runs`,
    );
  }
  if (status === 403 || name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch") {
    return new ServerError(
      Status.UNAVAILABLE,
      `the S3 store at ${endpoint} refused our credentials (${name}); check MINIO_S3_ACCESS_KEY and MINIO_S3_SECRET_KEY`,
    );
  }
  if (status !== undefined && status >= 500) {
    return new ServerError(
      Status.UNAVAILABLE,
      `the S3 store at ${endpoint} failed (${status} ${name}); retry`,
    );
  }
  if (status === 400) {
    return new ServerError(
      Status.INVALID_ARGUMENT,
      `the S3 store rejected the request: ${name}: ${message}`,
    );
  }
  return err;
}
