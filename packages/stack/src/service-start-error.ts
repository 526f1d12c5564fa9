import type { StackService } from "./start-services.js";

// Symbol.for: the same key in every installed copy of this package, so `instanceof`
// holds across two copies (connect-es brands ConnectError the same way).
const brand = Symbol.for("@isa-cloud/stack.ServiceStartError");

/** A service that failed to start, and why (the original error is `cause`). */
export class ServiceStartError<Name extends string = StackService> extends Error {
  override name = "ServiceStartError";
  readonly [brand] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (value as { [brand]?: unknown } | null | undefined)?.[brand] === true;
  }

  constructor(
    readonly service: Name,
    cause: unknown,
  ) {
    super(`${service} did not start: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}
