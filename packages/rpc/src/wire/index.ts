// What clients and servers both speak: the error model, byte-message encoding, limits,
// identity, host and environment helpers. Imports nothing of either side.
export {
  allocBytesField,
  encodeBytesField,
  fastBytesEncode,
} from "./bytes-message-encoder.js";
export {
  ConfigError,
  readBoolean,
  readChoice,
  readHost,
  readInteger,
  readPort,
  readString,
} from "./env.js";
export type { ErrorContext } from "./errors.js";
export * from "./errors.js";
export { connectableHost, formatHostPort, isLoopbackHost } from "./host.js";
export type { Identity } from "./identity.js";
export { DEFAULT_MAX_MESSAGE_BYTES } from "./limits.js";
export { readPem } from "./pem.js";
export { rechunk } from "./rechunk.js";
export {
  activeRequestId,
  isRequestId,
  newRequestId,
  REQUEST_ID_HEADER,
  withRequestId,
} from "./request-id.js";
export type { MessageTypeOverride, MethodShape } from "./service-definition.js";
export { methodsOf, serviceNameOf, withMessageTypes } from "./service-definition.js";
export type { ToSafeNumberOptions, UnsafeNumberReason } from "./to-safe-number.js";
export { toSafeNumber } from "./to-safe-number.js";
