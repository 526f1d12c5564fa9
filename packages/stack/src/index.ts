export { ServiceStartError } from "./service-start-error.js";
export type {
  AnalyticsIsolation,
  ServicesHandle,
  StackService,
  StartServicesOptions,
} from "./start-services.js";
export { STACK_SERVICES, startServices } from "./start-services.js";
export type { StackEvent } from "./timed-start.js";
export { timedStart } from "./timed-start.js";
