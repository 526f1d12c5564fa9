import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EPHEMERAL_PORTS,
  makeTestCertificates,
  stopChildren,
  type TestCertificates,
} from "@isa-cloud/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawnIsa } from "./spawn-isa.js";

// `isa start --tls-cert/--tls-key` as a child process: every port speaks TLS, the
// services' own clients trust the certificate, and access lines go to the data dir.
const ONE_START_MS = 180_000;

let dir: string;
let certs: TestCertificates;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-start-tls-"));
  certs = makeTestCertificates();
});
afterEach(async () => {
  await stopChildren();
  await rm(dir, { recursive: true, force: true });
  certs.remove();
});

/** An HTTPS request trusting `ca` only. */
function https(
  url: string,
  ca: Buffer,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers, ca }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

describe("isa start with TLS", () => {
  it(
    "serves the API and the services over TLS, the API reaching the services through it, and writes the access log under the data dir",
    async () => {
      const isa = spawnIsa(
        [
          "start",
          "--tls-cert",
          certs.files.serverCert,
          "--tls-key",
          certs.files.serverKey,
          // The certificate is signed by a test CA: the services' clients trust that CA.
          "--tls-ca",
          certs.files.ca,
        ],
        {
          cwd: dir,
          inheritEnv: false,
          env: { ...EPHEMERAL_PORTS, XDG_CONFIG_HOME: join(dir, "config") },
        },
      );
      const output = await isa.waitFor("Stop with Ctrl-C.");
      const api = /ready on (https:\/\/[^\s]+)/.exec(output)?.[1];
      expect(api, output).toBeDefined();
      // The printed curl line names the CA to trust.
      expect(output).toContain(`--cacert '${certs.files.ca}'`);

      // /readyz asks both services over gRPC: answered only if the API's clients speak TLS.
      const ready = await https(`${api}/readyz`, certs.pem.ca);
      expect(ready.status, ready.body).toBe(200);
      const token = /export ISA_TOKEN=(\S+)/.exec(output)?.[1];
      const uploaded = await https(`${api}/api/v1/data/upload`, certs.pem.ca, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "x-request-id": "tls-upload-1",
        },
        body: JSON.stringify({ file_name: "t.txt", data: Buffer.from("hi").toString("base64") }),
      });
      expect(uploaded.status, uploaded.body).toBe(201);
      // A client that does not trust the certificate is refused.
      await expect(https(`${api}/healthz`, certs.pem.otherCa)).rejects.toThrow();
      // Plain HTTP to the TLS port does not get an answer.
      await expect(fetch(`${api!.replace("https:", "http:")}/healthz`)).rejects.toThrow();

      // The terminal stays quiet; the lines are in the data dir, the API's and storage's.
      expect(output).not.toContain('"kind":"access"');
      await expect
        .poll(
          async () => readFile(join(dir, "data", "logs", "access.log"), "utf8").catch(() => ""),
          {
            timeout: 10_000,
          },
        )
        .toContain('"requestId":"tls-upload-1"');
      const lines = (await readFile(join(dir, "data", "logs", "access.log"), "utf8"))
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toContainEqual(
        expect.objectContaining({ msg: "http request", route: "/api/v1/data/upload", status: 201 }),
      );
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: "grpc call",
          method: "/isa.minio.MinIOService/PutObject",
          requestId: "tls-upload-1",
        }),
      );
    },
    ONE_START_MS,
  );
});
