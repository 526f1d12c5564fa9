/** What the service counts for one database. */
export interface DatabaseFigures {
  queries: number;
  /** Milliseconds the calls of `queries` took in all. */
  queryMs: number;
  /** Calls served from the open set. */
  cacheHits: number;
  /** Calls that opened the database from disk or storage. */
  cacheMisses: number;
  checkpoints: number;
  checkpointFailures: number;
  evictions: number;
}

function zero(): DatabaseFigures {
  return {
    queries: 0,
    queryMs: 0,
    cacheHits: 0,
    cacheMisses: 0,
    checkpoints: 0,
    checkpointFailures: 0,
    evictions: 0,
  };
}

/**
 * Figures per database (by database key), summed on demand: over the whole service for
 * a system token, over the databases a caller can reach otherwise, so one tenant never
 * learns how busy another is.
 */
export class Metrics {
  private readonly perDatabase = new Map<string, DatabaseFigures>();
  private readonly observers: Array<(figure: keyof DatabaseFigures) => void> = [];

  /**
   * Tells `observer` of every figure counted from now on, across databases: how the
   * Prometheus counters (observability/analytics-metrics.ts) follow these same calls.
   */
  observe(observer: (figure: keyof DatabaseFigures) => void): void {
    this.observers.push(observer);
  }

  count(databaseKey: string, figure: Exclude<keyof DatabaseFigures, "queryMs">): void {
    this.figures(databaseKey)[figure]++;
    for (const observer of this.observers) observer(figure);
  }

  recordQuery(databaseKey: string, ms: number): void {
    const figures = this.figures(databaseKey);
    figures.queries++;
    figures.queryMs += ms;
  }

  /** The sum over the databases whose key `include` accepts. */
  sum(include: (databaseKey: string) => boolean = () => true): DatabaseFigures {
    const total = zero();
    for (const [key, figures] of this.perDatabase) {
      if (!include(key)) continue;
      for (const name of Object.keys(total) as (keyof DatabaseFigures)[]) {
        total[name] += figures[name];
      }
    }
    return total;
  }

  /** Drops a deleted database's figures. */
  forget(databaseKey: string): void {
    this.perDatabase.delete(databaseKey);
  }

  private figures(databaseKey: string): DatabaseFigures {
    let figures = this.perDatabase.get(databaseKey);
    if (!figures) {
      figures = zero();
      this.perDatabase.set(databaseKey, figures);
    }
    return figures;
  }
}
