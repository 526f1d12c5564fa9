import { commandKind } from "./command-tag.js";
import { bindParameters } from "./parameters.js";
import { missing, PgException } from "./pg-exception.js";
import { pgTypeOf } from "./pg-types.js";
import { localFields, type Portal, type Prepared } from "./portal.js";
import { parameterDescription, rowDescription } from "./protocol/backend.js";
import { readBind, readExecute, readParse, readTarget } from "./protocol/frontend.js";
import type { StatementRunner } from "./statement-runner.js";

/**
 * The extended protocol's state and messages: named and unnamed prepared statements
 * (Parse), portals (Bind), Describe, Execute and Close. Running a portal is the runner's.
 */
export class ExtendedProtocol {
  readonly #statements = new Map<string, Prepared>();
  readonly #portals = new Map<string, Portal>();

  constructor(private readonly runner: StatementRunner) {}

  parse(message: Uint8Array): void {
    const p = readParse(message);
    if (p.statement !== "") this.#statements.delete(p.statement);
    this.#statements.set(p.statement, {
      sql: p.sql,
      paramTypes: p.paramTypes,
      kind: commandKind(p.sql),
    });
    this.runner.w.begin("1").end();
  }

  async bind(message: Uint8Array): Promise<void> {
    const b = readBind(message);
    const statement = this.#statements.get(b.statement);
    if (!statement) throw missing("prepared statement", b.statement);
    if (b.resultFormats.some((f) => f !== 0)) {
      throw new PgException({
        severity: "ERROR",
        code: "0A000",
        message: "the isa pg-gateway sends results as text only; ask for text result format",
      });
    }
    this.#dropPortal(b.portal);
    this.#portals.set(
      b.portal,
      await this.runner.portalFor(statement, bindParameters(b.params, statement.paramTypes)),
    );
    this.runner.w.begin("2").end();
  }

  async describe(message: Uint8Array): Promise<void> {
    const t = readTarget(message);
    const w = this.runner.w;
    if (t.kind === "S") {
      const statement = this.#statements.get(t.name);
      if (!statement) throw missing("prepared statement", t.name);
      await this.#describeStatement(statement);
      return;
    }
    const portal = this.#portals.get(t.name);
    if (!portal) throw missing("portal", t.name);
    if (portal.local) {
      const local = portal.local;
      if (local !== "transaction" && local.kind === "rows") rowDescription(w, localFields(local));
      else w.begin("n").end();
      return;
    }
    const result = await this.runner.start(portal);
    if (result.isCount(portal.statement.kind)) w.begin("n").end();
    else rowDescription(w, result.fields());
  }

  async *execute(message: Uint8Array): AsyncGenerator<Uint8Array> {
    const e = readExecute(message);
    const portal = this.#portals.get(e.portal);
    if (!portal) throw missing("portal", e.portal);
    yield* this.runner.run(portal, e.maxRows, false);
  }

  /** Close of a statement or a portal. */
  close(message: Uint8Array): void {
    const t = readTarget(message);
    if (t.kind === "S") this.#statements.delete(t.name);
    else this.#dropPortal(t.name);
    this.runner.w.begin("3").end();
  }

  /** Closes every portal (statements stay: they live until Close or the connection ends). */
  closePortals(): void {
    for (const name of [...this.#portals.keys()]) this.#dropPortal(name);
  }

  /**
   * Describe of a statement, before any parameter is bound: the parameter types come from
   * the service's PrepareStatement, the columns from DuckDB's DESCRIBE of the statement
   * with every parameter NULL (DESCRIBE plans, it runs nothing). A statement DESCRIBE
   * refuses (a write without RETURNING) returns no rows: NoData.
   */
  async #describeStatement(statement: Prepared): Promise<void> {
    const w = this.runner.w;
    const portal = await this.runner.portalFor(statement, {});
    if (portal.local) {
      parameterDescription(w, []);
      if (portal.local !== "transaction" && portal.local.kind === "rows") {
        rowDescription(w, localFields(portal.local));
      } else {
        w.begin("n").end();
      }
      return;
    }
    const { client, database } = this.runner.opts;
    const prepared = await client.prepare(database, portal.sql);
    const declared = statement.paramTypes;
    parameterDescription(
      w,
      prepared.parameterTypes.map(
        (type, i) => declared[i] || (type === "UNKNOWN" ? 25 : pgTypeOf(type).oid),
      ),
    );
    const nulls = Object.fromEntries(prepared.parameterTypes.map((_, i) => [String(i + 1), null]));
    try {
      const described = await client.query<{ column_name: string; column_type: string }>(
        database,
        `DESCRIBE ${portal.sql}`,
        nulls,
      );
      rowDescription(
        w,
        described.rows.map((r) => {
          const t = pgTypeOf(r.column_type);
          return { name: r.column_name, oid: t.oid, typlen: t.typlen, typmod: t.typmod };
        }),
      );
    } catch {
      w.begin("n").end();
    }
  }

  #dropPortal(name: string): void {
    this.#portals.get(name)?.result?.close();
    this.#portals.delete(name);
  }
}
