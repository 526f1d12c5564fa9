import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { ChannelCredentials, createChannel, createClient, Metadata } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeWithLabel } from "../src/supervisor-metrics.js";
import { type DuckdbClient, Stack } from "./harness.js";

/** The value of `name{labels}` in Prometheus text (labels matched as a subset), 0 when absent. */
function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const have = Object.fromEntries(
      [...(/\{(.*)\}/.exec(line)?.[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return 0;
}

describe("merging the workers' metrics", () => {
  it("labels every sample with its worker and writes each family once, its samples together", () => {
    const text = (n: number) =>
      `# HELP a_total A.\n# TYPE a_total counter\na_total{code="OK"} ${n}\na_total ${n * 10}\n# HELP b B.\n# TYPE b gauge\nb ${n}\n`;
    expect(
      mergeWithLabel([
        { worker: "0", text: text(1) },
        { worker: "1", text: text(2) },
      ]),
    ).toBe(
      [
        "# HELP a_total A.",
        "# TYPE a_total counter",
        'a_total{worker="0",code="OK"} 1',
        'a_total{worker="0"} 10',
        'a_total{worker="1",code="OK"} 2',
        'a_total{worker="1"} 20',
        "# HELP b B.",
        "# TYPE b gauge",
        'b{worker="0"} 1',
        'b{worker="1"} 2',
        "",
      ].join("\n"),
    );
  });
});

describe("the supervisor's /metrics and TLS front", () => {
  let stack: Stack;
  let alice: DuckdbClient;
  let certDir: string;

  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1, made now.
    certDir = mkdtempSync(join(tmpdir(), "isa-supervisor-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "key.pem",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { cwd: certDir, stdio: "pipe" },
    );
    stack = await Stack.start({
      workers: 1,
      metrics: { host: "127.0.0.1", port: 0 },
      tls: {
        cert: readFileSync(join(certDir, "cert.pem")),
        key: readFileSync(join(certDir, "key.pem")),
      },
    });
    const channel = createChannel(
      `127.0.0.1:${stack.supervisor.port}`,
      ChannelCredentials.createSsl(readFileSync(join(certDir, "cert.pem"))),
    );
    alice = createClient(DuckDBServiceDefinition, channel, {
      "*": { metadata: Metadata({ authorization: `Bearer ${await stack.token("alice")}` }) },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(certDir, { recursive: true, force: true });
  });

  it("forwards over TLS, and serves its own series and its workers', labelled by worker", async () => {
    await alice.createDatabase({ databaseName: "m" });
    await alice.executeQuery({ databaseId: "m", query: "SELECT 1" });
    const scrape = async () => {
      const res = await fetch(`http://127.0.0.1:${stack.supervisor.metricsPort}/metrics`);
      expect(res.status).toBe(200);
      return res.text();
    };
    // RSS is read every 200 ms: wait for the first reading.
    await expect
      .poll(async () =>
        seriesValue(await scrape(), "isa_supervisor_worker_rss_bytes", { worker: "0" }),
      )
      .toBeGreaterThan(0);
    const text = await scrape();
    expect(seriesValue(text, "isa_supervisor_worker_up", { worker: "0" })).toBe(1);
    expect(seriesValue(text, "isa_supervisor_worker_kills_total", { reason: "memory" })).toBe(0);
    expect(text).toMatch(/^isa_supervisor_worker_restarts_total 0$/m);
    expect(
      seriesValue(text, "grpc_server_handled_total", {
        worker: "0",
        grpc_method: "ExecuteQuery",
        grpc_code: "OK",
      }),
    ).toBe(1);
    expect(
      seriesValue(text, "isa_analytics_query_seconds_count", {
        worker: "0",
        statement: "select",
      }),
    ).toBe(1);
    expect(seriesValue(text, "isa_analytics_open_databases", { worker: "0" })).toBe(1);
    // One HELP per family, whichever worker it came from.
    expect(text.match(/^# HELP isa_analytics_open_databases /gm)).toHaveLength(1);
  });

  it("refuses plaintext on the TLS front", async () => {
    const plain = stack.clientWithToken(await stack.token("alice"));
    await expect(plain.listDatabases({})).rejects.toThrow();
  });
});
