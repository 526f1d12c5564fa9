/** What we need to know of a method, in both ts-proto and grpc-js definitions. */
export interface MethodShape {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}

/**
 * The methods of a service definition, keyed by the names nice-grpc gives them: ts-proto's
 * generic definitions nest them under `methods` (next to `fullName`), grpc-js definitions
 * are the map itself.
 */
export function methodsOf(definition: object): Record<string, MethodShape> {
  const d = definition as { fullName?: unknown; methods?: unknown };
  return (
    typeof d.fullName === "string" && typeof d.methods === "object" ? d.methods : definition
  ) as Record<string, MethodShape>;
}

/** The fully qualified service name, e.g. "isa.minio.MinIOService". */
export function serviceNameOf(definition: object): string {
  const d = definition as { fullName?: unknown };
  if (typeof d.fullName === "string") return d.fullName;
  const path = Object.values(methodsOf(definition))[0]?.path ?? "";
  return path.slice(1, path.lastIndexOf("/"));
}

/** Replacement message types for one method; the other fields of the method stay. */
export interface MessageTypeOverride {
  requestType?: object;
  responseType?: object;
}

/**
 * `definition` with some methods' request or response types replaced, e.g. by encoders
 * that write the same bytes faster (`fastBytesEncode`) or pass pre-encoded messages
 * through. The wire does not change; only how this process encodes it.
 */
export function withMessageTypes<D extends { methods: object }>(
  definition: D,
  overrides: { [M in keyof D["methods"]]?: MessageTypeOverride },
): D {
  const methods: Record<string, object> = { ...(definition.methods as Record<string, object>) };
  for (const [name, override] of Object.entries(overrides as Record<string, MessageTypeOverride>)) {
    methods[name] = { ...methods[name], ...override };
  }
  return { ...definition, methods };
}
