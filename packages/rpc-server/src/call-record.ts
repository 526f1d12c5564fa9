import type { Identity } from "@isa-cloud/rpc/wire";
import { trace } from "@opentelemetry/api";
import type { CallContext, ServerMiddleware, ServerMiddlewareCall } from "nice-grpc";

/**
 * What the access log and the span of a call learn once auth has run: the caller, and
 * which database or bucket the request names. Filled in by `callRecordMiddleware` (inside
 * auth), read by the access-log middleware (outside it) when the call ends.
 */
export interface CallRecord {
  user?: string;
  org?: string;
  database?: string;
  bucket?: string;
}

/** The context key the access-log middleware hands the record down under. */
export const CALL_RECORD = Symbol.for("@isa-cloud/rpc-server.call-record");

export interface CallRecordContext {
  [CALL_RECORD]?: CallRecord;
}

/**
 * Notes the verified caller and the named database or bucket of a unary or
 * server-streaming request: in the call's record (for its access-log line) and as
 * attributes of its span (`enduser.id`, `isa.org`, `isa.database`, `isa.bucket`). Never
 * the token, the SQL or its parameters.
 */
export const callRecordMiddleware: ServerMiddleware<unknown, { identity?: Identity }> =
  async function* callRecordMiddleware<Request, Response>(
    call: ServerMiddlewareCall<Request, Response>,
    context: CallContext & { identity?: Identity } & CallRecordContext,
  ) {
    const record = context[CALL_RECORD];
    const span = trace.getActiveSpan();
    if (record || span) {
      const noted: CallRecord = {};
      if (context.identity) {
        noted.user = context.identity.userId;
        if (context.identity.orgId) noted.org = context.identity.orgId;
      }
      if (!call.requestStream) {
        const request = call.request as Record<string, unknown>;
        const database = request.databaseId ?? request.databaseName;
        if (typeof database === "string" && database !== "") noted.database = database;
        if (typeof request.bucketName === "string" && request.bucketName !== "") {
          noted.bucket = request.bucketName;
        }
      }
      if (record) Object.assign(record, noted);
      if (span?.isRecording()) {
        if (noted.user !== undefined) span.setAttribute("enduser.id", noted.user);
        if (noted.org !== undefined) span.setAttribute("isa.org", noted.org);
        if (noted.database !== undefined) span.setAttribute("isa.database", noted.database);
        if (noted.bucket !== undefined) span.setAttribute("isa.bucket", noted.bucket);
      }
    }
    return yield* call.next(call.request, context);
  };
