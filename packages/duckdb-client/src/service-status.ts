import { toHealthStatus, toMetrics } from "./convert.js";
import { assertSuccess } from "./errors.js";
import { type ClientContext, callOptions } from "./rpc-context.js";
import type { CallOptions, HealthStatus, Metrics } from "./types.js";

export interface HealthCheckOptions extends CallOptions {
  /** Also check that this database opens (then a token of its owner is needed). */
  databaseId?: string;
  /** Add `details`: versions, open databases, uptime. Default false. */
  detailed?: boolean;
}

export interface MetricsOptions extends CallOptions {
  /** One database's figures instead of the whole service's. */
  databaseId?: string;
}

export async function healthCheck(
  ctx: ClientContext,
  opts: HealthCheckOptions,
): Promise<HealthStatus> {
  const res = assertSuccess(
    "healthCheck",
    await ctx.rpc.healthCheck(
      { databaseId: opts.databaseId ?? "", detailed: opts.detailed ?? false },
      callOptions(opts),
    ),
  );
  return toHealthStatus(res);
}

export async function getMetrics(ctx: ClientContext, opts: MetricsOptions): Promise<Metrics> {
  const res = assertSuccess(
    "getMetrics",
    await ctx.rpc.getMetrics({ databaseId: opts.databaseId ?? "" }, callOptions(opts)),
  );
  return toMetrics(res);
}
