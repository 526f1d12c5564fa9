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
