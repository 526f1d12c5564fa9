import type { ApiSchemas } from "@isa-cloud/api-client";

/** An error answer of the HTTP API, with its status and the API's code and message. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The data of an `@isa-cloud/api-client` call, or an ApiError: the API's own message
 * for an error status, where the API is and what to do when it cannot be reached.
 */
export async function apiCall<T>(
  baseUrl: string,
  call: Promise<{ data?: T; error?: ApiSchemas["Error"] | unknown; response: Response }>,
): Promise<T> {
  let result: Awaited<typeof call>;
  try {
    result = await call;
  } catch (err) {
    const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new ApiError(
      0,
      "unreachable",
      `cannot reach the API at ${baseUrl} (${reason}); is \`isa start\` running?`,
    );
  }
  if (result.error !== undefined || result.data === undefined) {
    const body = (result.error ?? {}) as Partial<ApiSchemas["Error"]>;
    throw new ApiError(
      result.response.status,
      body.code ?? "error",
      body.message ?? `${result.response.status} ${result.response.statusText}`,
    );
  }
  return result.data;
}
