export interface QueryFigures {
  queries: number;
  totalMs: number;
}

/** Query counts and time, in all and per database (by database key). */
export class QueryMetrics {
  readonly total: QueryFigures = { queries: 0, totalMs: 0 };
  private readonly perDatabase = new Map<string, QueryFigures>();

  record(databaseKey: string, ms: number): void {
    this.total.queries++;
    this.total.totalMs += ms;
    let figures = this.perDatabase.get(databaseKey);
    if (!figures) {
      figures = { queries: 0, totalMs: 0 };
      this.perDatabase.set(databaseKey, figures);
    }
    figures.queries++;
    figures.totalMs += ms;
  }

  of(databaseKey: string): QueryFigures {
    return this.perDatabase.get(databaseKey) ?? { queries: 0, totalMs: 0 };
  }

  forget(databaseKey: string): void {
    this.perDatabase.delete(databaseKey);
  }
}
