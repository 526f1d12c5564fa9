export type { ApiClient, ApiClientOptions, ApiSchemas } from "./api-client.js";
export { createApiClient } from "./api-client.js";
export type { components, operations, paths } from "./gen/api.js";
