import type { MetricsSource } from "@isa-cloud/rpc-server";
import { Counter, Gauge, Registry } from "prom-client";

/** What the supervisor's series read at each scrape: its `stats()`. */
export interface SupervisorStatsSource {
  kills: Record<string, number>;
  crashes: number;
  restarts: number;
  workers: Array<{
    index: number;
    pid: number | undefined;
    owners: number;
    inflight: number;
    rssMiB: number;
  }>;
}

const MIB = 1024 * 1024;

/**
 * The supervisor's own series, read from `stats()` when scraped: kills by reason,
 * crashes, restarts, and per worker its RSS, calls in flight and owners. The counters
 * count since the supervisor started, as Prometheus counters do.
 */
export function supervisorRegistry(stats: () => SupervisorStatsSource): Registry {
  const registry = new Registry();
  new Counter({
    name: "isa_supervisor_worker_kills_total",
    help: "Workers killed by the supervisor, by reason (deadline, memory, orphan)",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(stats().kills)) this.inc({ reason }, n);
    },
  });
  new Counter({
    name: "isa_supervisor_worker_crashes_total",
    help: "Workers that exited by themselves",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().crashes);
    },
  });
  new Counter({
    name: "isa_supervisor_worker_restarts_total",
    help: "Workers started again after a kill or a crash",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().restarts);
    },
  });
  const perWorker = (
    name: string,
    help: string,
    value: (w: SupervisorStatsSource["workers"][number]) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ["worker"],
      registers: [registry],
      collect() {
        this.reset();
        for (const w of stats().workers) this.set({ worker: String(w.index) }, value(w));
      },
    });
  perWorker("isa_supervisor_worker_up", "1 while the worker process runs", (w) => (w.pid ? 1 : 0));
  perWorker(
    "isa_supervisor_worker_rss_bytes",
    "Resident memory of the worker",
    (w) => w.rssMiB * MIB,
  );
  perWorker(
    "isa_supervisor_worker_inflight_calls",
    "Calls the front has open on the worker",
    (w) => w.inflight,
  );
  perWorker(
    "isa_supervisor_worker_owners",
    "Owners (tenants) assigned to the worker",
    (w) => w.owners,
  );
  return registry;
}

/**
 * Every running worker's `/metrics`, fetched at scrape time and merged: each sample gets a
 * `worker` label, each family's HELP and TYPE are written once, and the samples of one
 * family stay together as the text format requires. A worker that does not answer within
 * `timeoutMs` is left out of that scrape.
 */
export function workersMetrics(
  workers: () => Array<{ index: number; metricsPort?: number | undefined }>,
  timeoutMs = 2_000,
): MetricsSource {
  return {
    async metrics() {
      const texts = await Promise.all(
        workers()
          .filter((w) => w.metricsPort)
          .map(async (w) => {
            try {
              const res = await fetch(`http://127.0.0.1:${w.metricsPort}/metrics`, {
                signal: AbortSignal.timeout(timeoutMs),
              });
              return res.ok ? { worker: String(w.index), text: await res.text() } : undefined;
            } catch {
              return undefined;
            }
          }),
      );
      return mergeWithLabel(texts.filter((t) => t !== undefined));
    },
  };
}

/** Prometheus texts merged family by family, each sample labelled `worker`. */
export function mergeWithLabel(texts: Array<{ worker: string; text: string }>): string {
  const families = new Map<string, { meta: string[]; samples: string[] }>();
  const familyOf = (name: string) => {
    let family = families.get(name);
    if (!family) {
      family = { meta: [], samples: [] };
      families.set(name, family);
    }
    return family;
  };
  for (const { worker, text } of texts) {
    let current = "";
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta) {
        current = meta[2]!;
        const family = familyOf(current);
        if (!family.meta.some((m) => m.startsWith(`# ${meta[1]} `))) family.meta.push(line);
        continue;
      }
      if (line.startsWith("#")) continue;
      const labelled = line.includes("{")
        ? line.replace("{", `{worker="${worker}",`).replace(",}", "}")
        : line.replace(/^(\S+) /, `$1{worker="${worker}"} `);
      familyOf(current || (line.split(/[{ ]/)[0] ?? "")).samples.push(labelled);
    }
  }
  let out = "";
  for (const { meta, samples } of families.values()) {
    for (const line of [...meta, ...samples]) out += `${line}\n`;
  }
  return out;
}
