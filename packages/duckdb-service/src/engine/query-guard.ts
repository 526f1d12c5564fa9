import type { DuckDBConnection } from "@duckdb/node-api";
import { ServerError, Status } from "nice-grpc";
import { sqlError } from "./sql-errors.js";

/**
 * Interrupts a connection's running statement when the call's timeout passes or the
 * caller goes away, and turns what DuckDB then reports ("INTERRUPT Error", or a streamed
 * result that simply ends) into DEADLINE_EXCEEDED or an abort.
 */
export class QueryGuard {
  private timedOut = false;
  private aborted = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private repeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.interrupt();
      }, timeoutMs);
    }
    if (signal?.aborted) this.onAbort();
    else signal?.addEventListener("abort", this.onAbort);
  }

  private readonly onAbort = (): void => {
    this.aborted = true;
    this.interrupt();
  };

  /**
   * DuckDB drops an interrupt that arrives while no statement runs (between prepare and
   * run, say), so it is repeated until the call ends; `run` also refuses to start more.
   */
  private interrupt(): void {
    this.conn.interrupt();
    this.repeat ??= setInterval(() => this.conn.interrupt(), 50);
  }

  get interrupted(): boolean {
    return this.timedOut || this.aborted;
  }

  /** Stops the timer; call before the connection goes back to the pool. */
  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.repeat);
    this.signal?.removeEventListener("abort", this.onAbort);
  }

  /** The error to surface for a failure of a guarded DuckDB call. */
  error(err: unknown): unknown {
    if (this.timedOut) {
      return new ServerError(
        Status.DEADLINE_EXCEEDED,
        `the query ran past its timeout of ${this.timeoutMs / 1000} s and was interrupted; ` +
          "raise timeout_seconds or narrow the query",
      );
    }
    if (this.aborted) return new ServerError(Status.CANCELLED, "the call was cancelled");
    return sqlError(err);
  }

  /** Runs one DuckDB call, mapping its failure. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.assertNotInterrupted();
    try {
      return await fn();
    } catch (err) {
      throw this.error(err);
    }
  }

  /** A streamed result ends quietly when interrupted: that end must not pass for complete. */
  assertNotInterrupted(): void {
    if (this.interrupted) throw this.error(undefined);
  }
}
