// The server side: token verification, tenancy checks, server middleware, logging and
// startGrpcServer. Clients never import this package.
export {
  accessLogServerMiddleware,
  isInfrastructureCall,
} from "./access-log-middleware.js";
export { createAccessLogger, flushAccessLogs } from "./access-logger.js";
export {
  assertDevSecretStaysLocal,
  authConfigFromEnv,
  DEV_JWT_SECRET,
} from "./auth-config.js";
export type { AuthServerMiddlewareOptions } from "./auth-server-middleware.js";
export { authServerMiddleware } from "./auth-server-middleware.js";
export type { CallRecord } from "./call-record.js";
export { callRecordMiddleware } from "./call-record.js";
export type { Closable, CloseOnSignalsOptions } from "./close-on-signals.js";
export { closeOnSignals } from "./close-on-signals.js";
export {
  createErrorServerMiddleware,
  errorServerMiddleware,
} from "./error-server-middleware.js";
export type { GrpcServerHandle, GrpcServerOptions } from "./grpc-server.js";
export { startGrpcServer } from "./grpc-server.js";
export type { AuthConfig } from "./identity.js";
export { KeyedMutex, KeyedRwLock } from "./keyed-locks.js";
export type { LoggerOptions } from "./logger.js";
export { createLogger } from "./logger.js";
export type { MetricsSource } from "./metrics-registry.js";
export {
  grpcMetrics,
  METRICS_CONTENT_TYPE,
  processMetrics,
  renderMetrics,
} from "./metrics-registry.js";
export type { MetricsServerHandle, MetricsServerOptions } from "./metrics-server.js";
export { startMetricsServer } from "./metrics-server.js";
export type { AccessLogTarget, MetricsEndpointConfig } from "./observability-config.js";
export { accessLogFromEnv, metricsEndpointFromEnv } from "./observability-config.js";
export { receiveWindowInterceptor } from "./receive-window.js";
export type { RunServiceFromEnvOptions } from "./run-service-from-env.js";
export { runServiceFromEnv } from "./run-service-from-env.js";
export type { ServerTlsConfig } from "./server-tls.js";
export { grpcServerCredentials, serverTlsFromEnv } from "./server-tls.js";
export type {
  ServiceObservability,
  ServiceObservabilityOptions,
} from "./service-observability.js";
export { startServiceObservability } from "./service-observability.js";
export type { SignTokenOptions } from "./sign-token.js";
export { signToken } from "./sign-token.js";
export { assertOrgMember, resolveUserId } from "./tenancy.js";
export type { TerminatorContext } from "./terminator-middleware.js";
export { createTokenVerifier } from "./token-verifier.js";
export type { StartTracingOptions, TracingHandle } from "./tracing.js";
export { ensureContextManager, startTracing, tracingConfigured } from "./tracing.js";
