import { ServerCredentials } from "@grpc/grpc-js";
import { ConfigError, readPem } from "@isa-cloud/rpc/wire";

type Env = Record<string, string | undefined>;

/** A server's TLS: PEM contents, not paths. */
export interface ServerTlsConfig {
  /** Certificate chain, leaf first. */
  cert: string | Buffer;
  /** Private key of `cert`. */
  key: string | Buffer;
  /**
   * CA bundle that clients' certificates must chain to: with it, a client without a
   * valid certificate is refused during the handshake (mTLS). Default: no client
   * certificates asked for.
   */
  clientCa?: string | Buffer;
}

/**
 * The server TLS of every isa-cloud server (storage, analytics, its supervisor's front and
 * the HTTP API): `ISA_TLS_CERT` and `ISA_TLS_KEY` (PEM files or PEM text) switch it on,
 * `ISA_TLS_CLIENT_CA` adds mTLS. Undefined when neither is set; one without the other, or
 * a client CA without them, throws a ConfigError naming what is missing.
 */
export function serverTlsFromEnv(env: Env = process.env): ServerTlsConfig | undefined {
  const cert = readPem(env, "ISA_TLS_CERT");
  const key = readPem(env, "ISA_TLS_KEY");
  const clientCa = readPem(env, "ISA_TLS_CLIENT_CA");
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) {
      throw new ConfigError(
        "ISA_TLS_CLIENT_CA",
        "ISA_TLS_CLIENT_CA needs ISA_TLS_CERT and ISA_TLS_KEY: client certificates are checked over TLS only",
      );
    }
    return undefined;
  }
  if (cert === undefined || key === undefined) {
    const missing = cert === undefined ? "ISA_TLS_CERT" : "ISA_TLS_KEY";
    throw new ConfigError(
      missing,
      `${missing} is missing: ISA_TLS_CERT and ISA_TLS_KEY go together (set both for TLS, or neither)`,
    );
  }
  return { cert, key, ...(clientCa ? { clientCa } : {}) };
}

const buffer = (pem: string | Buffer) => (Buffer.isBuffer(pem) ? pem : Buffer.from(pem));

/** grpc-js credentials for `tls`; plaintext when undefined. */
export function grpcServerCredentials(tls: ServerTlsConfig | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.clientCa ? buffer(tls.clientCa) : null,
    [{ cert_chain: buffer(tls.cert), private_key: buffer(tls.key) }],
    tls.clientCa !== undefined,
  );
}
