import type { duckdb } from "@isa-cloud/proto";
import { invalidArgument } from "./errors.js";
import type { ClientContext, Method } from "./rpc-context.js";
import type { QueryOptions } from "./types.js";
import type { DecodeOptions } from "./value-decoder.js";
import { encodeParameters, ParameterError } from "./value-encoder.js";

export type Params = Record<string, unknown>;

/** Parameters as `Value`s; a JS value with no SQL counterpart is an InvalidArgumentError. */
export function encodeParams(method: Method, params: Params | undefined) {
  try {
    return encodeParameters(params);
  } catch (err) {
    if (err instanceof ParameterError) throw invalidArgument(method, err.message);
    throw err;
  }
}

/** The request of every query method: one-shot, streamed by rows or by columns. */
export function queryRequest(
  ctx: ClientContext,
  method: "executeQuery" | "executeQueryStream",
  db: string,
  sql: string,
  params: Params | undefined,
  opts: QueryOptions,
): duckdb.ExecuteQueryRequest {
  return {
    databaseId: db,
    userId: ctx.userId,
    query: sql,
    parameters: encodeParams(method, params),
    maxRows: checkedInt(method, "maxRows", opts.maxRows),
    timeoutSeconds: checkedInt(method, "timeoutSeconds", opts.timeoutSeconds),
    explain: false,
    readOnly: checkedFlag(method, "readOnly", opts.readOnly),
  };
}

/** The client's decoding, with this query's `timestamps` over it. */
export function queryDecodeOptions(ctx: ClientContext, opts: QueryOptions): DecodeOptions {
  return opts.timestamps ? { ...ctx.decode, timestamps: opts.timestamps } : ctx.decode;
}

function checkedInt(method: Method, name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
    throw invalidArgument(method, `${name} must be a whole number from 0 to 2^31-1, got ${value}`);
  }
  return value;
}

// readOnly guards against writes: a non-boolean (`"false"`, `1`) is refused rather than
// coerced, so a slip in the caller cannot quietly turn the guard off.
function checkedFlag(method: Method, name: string, value: boolean | undefined): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw invalidArgument(method, `${name} must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}
