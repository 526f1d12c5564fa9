// The server side: token verification, tenancy checks, server middleware, logging and
// startGrpcServer. Clients never import this package.
export {
  assertDevSecretStaysLocal,
  authConfigFromEnv,
  DEV_JWT_SECRET,
} from "./auth-config.js";
export type { AuthServerMiddlewareOptions } from "./auth-server-middleware.js";
export { authServerMiddleware } from "./auth-server-middleware.js";
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
export type { SignTokenOptions } from "./sign-token.js";
export { signToken } from "./sign-token.js";
export { assertOrgMember, resolveUserId } from "./tenancy.js";
export type { TerminatorContext } from "./terminator-middleware.js";
export { createTokenVerifier } from "./token-verifier.js";
