import { ServiceStartError } from "./service-start-error.js";
import type { StackService } from "./start-services.js";

/** What a bring-up tells as it goes: each service starting, then ready where it listens. */
export type StackEvent<Name extends string = StackService> =
  | { service: Name; phase: "starting" }
  | { service: Name; phase: "ready"; address: string; ms: number; detail?: string };

/**
 * Runs one service's `start`: says it is starting, times it, and turns a failure into
 * ServiceStartError naming the service. The caller says "ready", once it knows the
 * address. Exported for layers started on top of the services (the CLI's API).
 */
export async function timedStart<Name extends string, T>(
  service: Name,
  start: () => Promise<T>,
  onProgress?: (event: StackEvent<Name>) => void,
): Promise<{ result: T; ms: number }> {
  onProgress?.({ service, phase: "starting" });
  const began = performance.now();
  try {
    const result = await start();
    return { result, ms: Math.round(performance.now() - began) };
  } catch (err) {
    throw new ServiceStartError(service, err);
  }
}
