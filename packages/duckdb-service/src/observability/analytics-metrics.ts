import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DatabaseFigures } from "../databases/metrics.js";

/** What the gauges read at each scrape. */
export interface AnalyticsGaugeSource {
  openDatabases(): number;
  maxOpenDatabases(): number;
  activeConnections(): number;
}

/**
 * The analytics service's own series, in a registry per service instance. Operator-level
 * totals, never labelled by tenant or database (unbounded cardinality, and one tenant's
 * load is not another's business); the per-database figures GetMetrics sums for a caller
 * come from the same counting calls (`Metrics.observe`).
 */
export class AnalyticsMetrics {
  readonly registry = new Registry();

  readonly cacheHits = new Counter({
    name: "isa_analytics_cache_hits_total",
    help: "Calls served by a database that was open already",
    registers: [this.registry],
  });

  readonly cacheMisses = new Counter({
    name: "isa_analytics_cache_misses_total",
    help: "Calls that had to open their database from local disk or storage",
    registers: [this.registry],
  });

  readonly evictions = new Counter({
    name: "isa_analytics_evictions_total",
    help: "Open databases closed to make room (least recently used)",
    registers: [this.registry],
  });

  readonly checkpoints = new Counter({
    name: "isa_analytics_checkpoints_total",
    help: "Database checkpoints into storage, by outcome (ok, failed)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly checkpointRounds = new Histogram({
    name: "isa_analytics_checkpoint_round_seconds",
    help: "Time of one scheduled round that checkpoints every changed database",
    buckets: [0.01, 0.05, 0.25, 1, 5, 25, 120, 600],
    registers: [this.registry],
  });

  readonly uploads = new Histogram({
    name: "isa_analytics_upload_seconds",
    help: "Time to upload a database file (checkpoint generation or backup) to storage, by outcome",
    labelNames: ["outcome"] as const,
    buckets: [0.01, 0.05, 0.25, 1, 5, 25, 120, 600],
    registers: [this.registry],
  });

  readonly uploadedBytes = new Counter({
    name: "isa_analytics_uploaded_bytes_total",
    help: "Bytes of database files uploaded to storage",
    registers: [this.registry],
  });

  readonly queries = new Histogram({
    name: "isa_analytics_query_seconds",
    help: "SQL calls (ExecuteQuery, ExecuteQueryStream, ExecuteQueryColumnar, ExecuteStatement, ExecuteBatch) by method, statement type and outcome",
    labelNames: ["method", "statement", "outcome"] as const,
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60, 300],
    registers: [this.registry],
  });

  constructor(source: AnalyticsGaugeSource) {
    new Gauge({
      name: "isa_analytics_open_databases",
      help: "Databases open now",
      registers: [this.registry],
      collect() {
        this.set(source.openDatabases());
      },
    });
    new Gauge({
      name: "isa_analytics_max_open_databases",
      help: "Databases that may be open at once",
      registers: [this.registry],
      collect() {
        this.set(source.maxOpenDatabases());
      },
    });
    new Gauge({
      name: "isa_analytics_active_connections",
      help: "DuckDB connections running a call now",
      registers: [this.registry],
      collect() {
        this.set(source.activeConnections());
      },
    });
  }

  /** Mirrors one counted figure of `Metrics` (see `Metrics.observe`). */
  record(figure: keyof DatabaseFigures): void {
    if (figure === "cacheHits") this.cacheHits.inc();
    else if (figure === "cacheMisses") this.cacheMisses.inc();
    else if (figure === "evictions") this.evictions.inc();
    else if (figure === "checkpoints") this.checkpoints.inc({ outcome: "ok" });
    else if (figure === "checkpointFailures") this.checkpoints.inc({ outcome: "failed" });
  }
}
