// Certificates made at test time with openssl: a CA, a server certificate for 127.0.0.1 /
// localhost / ::1 signed by it, a client certificate signed by it, and a second CA that
// signed nothing here (a client trusting only it must be refused). Shared by
// @isa-cloud/rpc-server's TLS suite and @isa-cloud/testing (which re-exports it).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificates {
  dir: string;
  /** PEM paths. */
  files: Record<"ca" | "serverCert" | "serverKey" | "clientCert" | "clientKey" | "otherCa", string>;
  /** The same, read. */
  pem: Record<"ca" | "serverCert" | "serverKey" | "clientCert" | "clientKey" | "otherCa", Buffer>;
  remove(): void;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** `openssl req` arguments for a fresh, unencrypted P-256 key in `<name>.key`. */
function newKey(name: string): string[] {
  return [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
  ];
}

function ca(dir: string, name: string): void {
  openssl(
    dir,
    "req",
    "-x509",
    ...newKey(name),
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  );
}

function signed(dir: string, name: string, signer: string, extensions: string): void {
  openssl(dir, "req", ...newKey(name), "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${signer}.pem`,
    "-CAkey",
    `${signer}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  );
}

/** Fresh certificates in a temp dir of their own; `remove()` deletes them. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "isa-tls-"));
  ca(dir, "test-ca");
  ca(dir, "other-ca");
  signed(
    dir,
    "server",
    "test-ca",
    "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  signed(dir, "client", "test-ca", "extendedKeyUsage=clientAuth\n");
  const files = {
    ca: join(dir, "test-ca.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.pem"),
    clientKey: join(dir, "client.key"),
    otherCa: join(dir, "other-ca.pem"),
  };
  const pem = Object.fromEntries(
    Object.entries(files).map(([name, path]) => [name, readFileSync(path)]),
  ) as TestCertificates["pem"];
  return { dir, files, pem, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
