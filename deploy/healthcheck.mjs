#!/usr/bin/env node
// The Docker HEALTHCHECK of the isa-cloud image, whichever role the container runs
// (`isa start` runs them all, `isa start --only <role>` one): each local health endpoint
// that answers must answer 200, and at least one must answer. The endpoints are the API's
// /healthz and the /healthz of storage's and analytics' metrics ports, at the ports the
// container is configured with. Exit 0 healthy, 1 not.
import { request as http } from "node:http";
import { request as https } from "node:https";

const env = process.env;
const port = (name, fallback) => {
  const value = env[name]?.trim();
  if (value && /^(off|false|no|none|disabled)$/i.test(value)) return undefined;
  const n = Number(value || fallback);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};
const tls = Boolean(env.ISA_TLS_CERT?.trim());
const targets = [
  { name: "api", secure: tls, port: port("API_PORT", 8080) },
  { name: "storage", secure: false, port: port("MINIO_METRICS_PORT", 9091) },
  { name: "analytics", secure: false, port: port("DUCKDB_METRICS_PORT", 9092) },
].filter((t) => t.port !== undefined);

/** The status of GET /healthz, or undefined when nothing listens there. */
function probe({ secure, port }) {
  return new Promise((resolve) => {
    const send = secure ? https : http;
    // A local probe of this container's own port: the certificate names the service, not 127.0.0.1.
    const req = send(
      { host: "127.0.0.1", port, path: "/healthz", timeout: 2_000, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve(err.code === "ECONNREFUSED" ? undefined : 0));
    req.end();
  });
}

const results = await Promise.all(targets.map(async (t) => ({ ...t, status: await probe(t) })));
const answered = results.filter((r) => r.status !== undefined);
const failing = answered.filter((r) => r.status !== 200);
for (const r of answered) console.log(`${r.name} :${r.port}/healthz ${r.status || "no answer"}`);
if (answered.length === 0) console.log("no health endpoint answers");
process.exit(answered.length > 0 && failing.length === 0 ? 0 : 1);
