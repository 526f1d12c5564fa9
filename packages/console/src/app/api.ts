/** An API failure: the API's own message, its code, and what the person can do. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** What to do about a status, shown under the API's message. */
export function hintFor(status: number): string {
  if (status === 0)
    return "The API does not answer: check that `isa start` is running, then try again.";
  if (status === 401)
    return "Sign in again: the token is missing, expired or was signed with another secret.";
  if (status === 403) return "This needs another user's token; sign in as the owner.";
  if (status === 404) return "It may have been deleted or renamed: refresh the list.";
  if (status === 409) return "Someone changed it at the same time: refresh and try again.";
  if (status === 413)
    return "It is larger than the API accepts (see API_MAX_UPLOAD_BYTES, API_BODY_LIMIT).";
  if (status === 429) return "Too many requests: wait a minute, then try again.";
  if (status === 503) return "A service is down; the banner at the top clears when it is back.";
  if (status === 504) return "A service did not answer in time: try again, or narrow the query.";
  if (status >= 500) return "The API failed: the details are in its log (request id above).";
  return "Fix the input named in the message and try again.";
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = "error";
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { code?: string; message?: string };
    code = body.code ?? code;
    message = body.message ?? message;
  } catch {
    // Not the API's JSON error (a proxy's page, a cut connection): keep the status line.
  }
  const requestId = response.headers.get("x-request-id");
  if (response.status >= 500 && requestId) message += ` (request ${requestId})`;
  return new ApiError(response.status, code, message, hintFor(response.status));
}

export interface ApiClient {
  /** The signed-in user, from the token's `sub`. */
  readonly userId: string;
  readonly token: string;
  /** fetch with the bearer token; throws ApiError for any non-2xx answer or no answer. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** POSTs JSON (or GETs without a body) and parses the JSON answer. */
  json<T>(path: string, body?: unknown, init?: RequestInit): Promise<T>;
}

/**
 * A client bound to one token. `onUnauthorized` runs on any 401, so an expired token
 * sends the person back to sign-in with the reason.
 */
export function createApiClient(
  token: string,
  userId: string,
  onUnauthorized: (error: ApiError) => void,
): ApiClient {
  const client: ApiClient = {
    userId,
    token,
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${token}`);
      let response: Response;
      try {
        response = await fetch(path, { ...init, headers });
      } catch (err) {
        if ((err as Error).name === "AbortError") throw err;
        throw new ApiError(0, "unreachable", "The API could not be reached.", hintFor(0));
      }
      if (!response.ok) {
        const error = await errorOf(response);
        if (response.status === 401) onUnauthorized(error);
        throw error;
      }
      return response;
    },
    async json<T>(path: string, body?: unknown, init: RequestInit = {}) {
      const response = await client.fetch(path, {
        ...init,
        ...(body === undefined
          ? {}
          : {
              method: "POST",
              body: JSON.stringify(body),
              headers: { "content-type": "application/json" },
            }),
      });
      return (await response.json()) as T;
    },
  };
  return client;
}

/** Path of a file route: the key as one URL segment ("a/b.csv" -> "a%2Fb.csv"). */
export function filePath(key: string): string {
  return `/api/v1/data/files/${encodeURIComponent(key)}`;
}

/** Unauthenticated calls: readiness and dev sign-in. */
export async function publicJson<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "unreachable", "The API could not be reached.", hintFor(0));
  }
  if (!response.ok && response.status !== 503) throw await errorOf(response);
  return (await response.json()) as T;
}
