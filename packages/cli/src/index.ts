export { ApiError } from "./api-call.js";
export { curlExample } from "./commands/start.js";
export type { CliIo } from "./context.js";
export { devSecretPath, ensureDevSecret, readDevSecret } from "./dev-secret.js";
export { createProgram, INTERRUPTED, run, VERSION } from "./program.js";
export { sampleEventsCsv } from "./sample-events.js";
export type { ServiceName, StackEvent, StackHandle, StackOptions } from "./stack.js";
export { SERVICE_NAMES, startStack } from "./stack.js";
