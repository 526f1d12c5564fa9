import { ServerError, Status } from "nice-grpc";
import type { AnalyticsMetrics } from "./analytics-metrics.js";
import { statementKind } from "./statement-kind.js";

/** The SQL-running methods, and where each request keeps its SQL. */
const SQL_OF: Record<string, (request: Record<string, unknown>) => string | undefined> = {
  executeQuery: (r) => r.query as string | undefined,
  executeQueryStream: (r) => r.query as string | undefined,
  executeQueryColumnar: (r) => r.query as string | undefined,
  executeStatement: (r) => r.statement as string | undefined,
  executeBatch: () => "batch",
};

function outcomeOf(err: unknown): string {
  if (err instanceof ServerError) return Status[err.code] ?? "UNKNOWN";
  if ((err as { name?: unknown } | null)?.name === "AbortError") return "CANCELLED";
  return "INTERNAL";
}

/**
 * The service implementation with its SQL-running methods timed in
 * `isa_analytics_query_seconds{method, statement, outcome}`: unary calls until they
 * answer, streams until their last message. The statement label is `statementKind` of the
 * SQL (a batch is "batch"); nothing of the SQL itself reaches a label.
 */
export function timedQueries<T extends object>(implementation: T, metrics: AnalyticsMetrics): T {
  const timed: Record<string, unknown> = { ...(implementation as Record<string, unknown>) };
  for (const [method, sqlOf] of Object.entries(SQL_OF)) {
    const original = (implementation as Record<string, unknown>)[method];
    if (typeof original !== "function") continue;
    const labels = (request: unknown) => {
      const sql = sqlOf(request as Record<string, unknown>);
      return { method, statement: sql === "batch" ? "batch" : statementKind(sql ?? "") };
    };
    const isStream = method === "executeQueryStream" || method === "executeQueryColumnar";
    timed[method] = isStream
      ? async function* (request: unknown, context: unknown) {
          const stop = metrics.queries.startTimer(labels(request));
          // A stream the caller abandons ends here without an error: CANCELLED.
          let outcome = "CANCELLED";
          try {
            yield* original.call(implementation, request, context);
            outcome = "OK";
          } catch (err) {
            outcome = outcomeOf(err);
            throw err;
          } finally {
            stop({ outcome });
          }
        }
      : async (request: unknown, context: unknown) => {
          const stop = metrics.queries.startTimer(labels(request));
          try {
            const response = await original.call(implementation, request, context);
            stop({ outcome: "OK" });
            return response;
          } catch (err) {
            stop({ outcome: outcomeOf(err) });
            throw err;
          }
        };
  }
  return timed as T;
}
