import { invalidArgument, notFound } from "./errors.js";

/** A statement and the values bound to its $parameters. */
export interface BoundQuery {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * A kind of report `generateReport` can produce. `parse` validates the caller's
 * parameters (throwing InvalidArgumentError with a message naming the field);
 * `query` turns them into SQL with bound parameters over `user_events`.
 */
export interface ReportType<P = Record<string, unknown>> {
  /** Lower-case words joined by `_`; it appears in the URL and the object key. */
  name: string;
  /** One line for the API docs and `isa --help`. */
  description: string;
  /** JSON Schema of the parameters object, shown in the OpenAPI document. */
  parametersSchema: Record<string, unknown>;
  parse(params: Record<string, unknown>): P;
  query(params: P): BoundQuery;
  /** What tells two reports of this type apart in the object key (e.g. the date). */
  keySuffix(params: P): string;
  /** Shapes the rows into the report's `data`; the rows themselves by default. */
  format?(rows: Record<string, unknown>[], params: P): unknown;
}

const REPORT_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const KEY_SUFFIX = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/**
 * The report types a DataService knows. Built-in types come from
 * `defaultReportTypes`; an application adds its own with `register` before
 * serving requests.
 */
export class ReportRegistry {
  readonly #types = new Map<string, ReportType<unknown>>();

  constructor(types: Iterable<ReportType<unknown>> = []) {
    for (const type of types) this.register(type);
  }

  /** Adds a report type; a second type with the same name is a programming error. */
  register<P>(type: ReportType<P>): this {
    if (!REPORT_NAME.test(type.name)) {
      throw new TypeError(
        `report type name "${type.name}" must be lower-case letters, digits and "_", starting with a letter`,
      );
    }
    if (this.#types.has(type.name)) {
      throw new TypeError(`report type "${type.name}" is already registered`);
    }
    this.#types.set(type.name, type as ReportType<unknown>);
    return this;
  }

  has(name: string): boolean {
    return this.#types.has(name);
  }

  /** The type named `name`, or NotFoundError listing the ones that exist. */
  get(name: string): ReportType<unknown> {
    const type = this.#types.get(name);
    if (!type) {
      throw notFound(
        `unknown report type "${name}"; known types: ${[...this.#types.keys()].join(", ")}`,
      );
    }
    return type;
  }

  list(): ReportType<unknown>[] {
    return [...this.#types.values()];
  }
}

/**
 * The object key of a report: `reports/{type}_{suffix}.json`. The same type and
 * parameters give the same key, so regenerating a report replaces it (the guide's
 * behaviour, minus its `user_activity_None.json` for types without a date).
 */
export function reportKey(type: ReportType<unknown>, suffix: string): string {
  if (!KEY_SUFFIX.test(suffix)) {
    throw invalidArgument(`report "${type.name}" produced an unusable key suffix "${suffix}"`);
  }
  return `reports/${type.name}_${suffix}.json`;
}

/** Throws InvalidArgumentError for keys other than `allowed` (typos would otherwise go unnoticed). */
export function rejectUnknownParameters(
  params: Record<string, unknown>,
  allowed: readonly string[],
): void {
  const unknown = Object.keys(params).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw invalidArgument(
      `unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; expected ${allowed.join(", ")}`,
    );
  }
}
