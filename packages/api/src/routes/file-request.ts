import type { DataService } from "@isa-cloud/data-service";
import { NotFoundError } from "@isa-cloud/rpc/wire";
import type { FastifyRequest } from "fastify";
import { entityTag, evaluatePreconditions, hasPreconditions } from "../http/conditional.js";
import { HttpProblem } from "../http-problem.js";

/**
 * The key of a file route: `/files/{path}` carries it as one encoded segment (what
 * OpenAPI generators send), the undocumented `/files/*` twin with raw "/" (what curl
 * users type and older clients send).
 */
export function keyOf(request: FastifyRequest): string {
  const params = request.params as { path?: string; "*"?: string };
  return params.path ?? params["*"] ?? "";
}

/** The file as it is now, or undefined when there is none (for preconditions on writes). */
async function currentFile(data: DataService, userId: string, key: string) {
  try {
    return await data.statUserFile(userId, key);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** 412 for a write whose If-Match / If-None-Match / If-Unmodified-Since does not hold. */
export async function checkWritePreconditions(
  request: FastifyRequest,
  data: DataService,
  userId: string,
  key: string,
): Promise<void> {
  if (!hasPreconditions(request.headers)) return;
  const current = await currentFile(data, userId, key);
  if (evaluatePreconditions(request.method, request.headers, current) === 412) {
    throw new HttpProblem(
      412,
      "precondition_failed",
      current
        ? `"${key}" is now ETag ${entityTag(current.etag)}: fetch it again and retry with that ETag`
        : `"${key}" does not exist: If-Match needs an existing file (use If-None-Match: * to create one)`,
    );
  }
}

/** An AbortController aborted when the client hangs up before its body was read. */
export function abortOnClose(request: FastifyRequest): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!request.raw.readableEnded) controller.abort();
  };
  request.raw.once("close", onClose);
  return {
    signal: controller.signal,
    done: () => request.raw.off("close", onClose),
  };
}
