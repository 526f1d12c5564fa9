// The client side: createIsaClient and the middleware it stacks. No server code, so a
// client install loads nice-grpc's client and nothing of jose, pino, health or reflection.
export type {
  BalanceStrategy,
  ChannelPool,
  ChannelPoolOptions,
  PooledChannelStats,
} from "./channel-pool.js";
export { createChannelPool, defaultPoolChannelOptions } from "./channel-pool.js";
export { errorClientMiddleware } from "./error-client-middleware.js";
export type { ClientOptions, IsaCallOptions, IsaClient, RetrySettings } from "./isa-client.js";
export { createIsaClient } from "./isa-client.js";
export { requestIdClientMiddleware } from "./request-id-client-middleware.js";
export type { ClientTlsOptions } from "./tls.js";
export { channelCredentialsFor, clientTlsFromEnv } from "./tls.js";
export type { TokenCallOptions, TokenProvider } from "./token-client-middleware.js";
export { tokenClientMiddleware } from "./token-client-middleware.js";
