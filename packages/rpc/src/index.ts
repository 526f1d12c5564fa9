// Server side: identity, auth and scaffolding.
export { authConfigFromEnv, DEV_JWT_SECRET } from "./auth-config.js";
export type { AuthServerMiddlewareOptions } from "./auth-server-middleware.js";
export { authServerMiddleware } from "./auth-server-middleware.js";
// Client side.
export { allocBytesField, encodeBytesField, fastBytesEncode } from "./bytes-message-encoder.js";
export { callerToken, runWithCallerToken } from "./caller-token.js";
export type {
  BalanceStrategy,
  ChannelPool,
  ChannelPoolOptions,
  PooledChannelStats,
} from "./channel-pool.js";
export { createChannelPool, defaultPoolChannelOptions } from "./channel-pool.js";
// Configuration from the environment.
export {
  ConfigError,
  readBoolean,
  readChoice,
  readHost,
  readInteger,
  readPort,
  readString,
} from "./env.js";
export { errorClientMiddleware } from "./error-client-middleware.js";
export {
  createErrorServerMiddleware,
  errorServerMiddleware,
} from "./error-server-middleware.js";
export type { ErrorContext } from "./errors.js";
export {
  AbortedError,
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  ServiceUnavailableError,
  StorageError,
  toTypedError,
  UnauthenticatedError,
} from "./errors.js";
export type { GrpcServerHandle, GrpcServerOptions } from "./grpc-server.js";
export { DEFAULT_MAX_MESSAGE_BYTES, startGrpcServer } from "./grpc-server.js";
export {
  assertDevSecretStaysLocal,
  connectableHost,
  formatHostPort,
  isLoopbackHost,
} from "./host.js";
export type { AuthConfig, Identity } from "./identity.js";
export type { ClientOptions, IsaClient, RetrySettings } from "./isa-client.js";
export { createIsaClient } from "./isa-client.js";
export type { LoggerOptions } from "./logger.js";
export { createLogger } from "./logger.js";
export { rechunk } from "./rechunk.js";
export type { SignTokenOptions } from "./sign-token.js";
export { signToken } from "./sign-token.js";
export { assertOrgMember, resolveUserId } from "./tenancy.js";
export type { TerminatorContext } from "./terminator-middleware.js";
export type { ToSafeNumberOptions, UnsafeNumberReason } from "./to-safe-number.js";
export { toSafeNumber } from "./to-safe-number.js";
export type { TokenProvider } from "./token-client-middleware.js";
export { tokenClientMiddleware } from "./token-client-middleware.js";
export { createTokenVerifier } from "./token-verifier.js";
