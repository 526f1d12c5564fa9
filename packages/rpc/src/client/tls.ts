import { ChannelCredentials } from "@grpc/grpc-js";
import { readPem } from "../wire/pem.js";

type Env = Record<string, string | undefined>;

/** TLS settings of a client's connections (PEM contents, not paths). */
export interface ClientTlsOptions {
  /**
   * CA bundle that server certificates must chain to, instead of the system's roots: a
   * private CA. Default: the system's roots.
   * @example { ca: readFileSync("/etc/isa/tls/ca.pem") }
   */
  ca?: string | Buffer;
  /** Client certificate chain, for servers that require one (mTLS). Default none. */
  cert?: string | Buffer;
  /** Private key of `cert`. Default none. */
  key?: string | Buffer;
}

/**
 * The TLS a client takes from the environment: `ISA_TLS_CA` (a PEM file or PEM text)
 * switches it on and is the CA bundle trusted; `ISA_TLS_CLIENT_CERT` and
 * `ISA_TLS_CLIENT_KEY` add a client certificate for mTLS. Undefined when `ISA_TLS_CA` is
 * unset. A client certificate without its key (or the reverse) throws a ConfigError.
 */
export function clientTlsFromEnv(env: Env = process.env): ClientTlsOptions | undefined {
  const ca = readPem(env, "ISA_TLS_CA");
  const cert = readPem(env, "ISA_TLS_CLIENT_CERT");
  const key = readPem(env, "ISA_TLS_CLIENT_KEY");
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error(
      "ISA_TLS_CLIENT_CERT and ISA_TLS_CLIENT_KEY go together: set both for a client certificate, or neither",
    );
  }
  if (ca === undefined) return undefined;
  return { ca, ...(cert && key ? { cert, key } : {}) };
}

const asBuffer = (pem: string | Buffer | undefined) =>
  pem === undefined ? null : Buffer.isBuffer(pem) ? pem : Buffer.from(pem);

/** grpc-js credentials for `tls`; `true` is TLS with the system's roots. */
export function channelCredentialsFor(tls: true | ClientTlsOptions): ChannelCredentials {
  if (tls === true) return ChannelCredentials.createSsl();
  return ChannelCredentials.createSsl(asBuffer(tls.ca), asBuffer(tls.key), asBuffer(tls.cert));
}
