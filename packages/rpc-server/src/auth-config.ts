import { isLoopbackHost } from "@isa-cloud/rpc/wire";
import type { AuthConfig } from "./identity.js";

/**
 * The HS256 secret of the embedded (single-machine, development) setup, used when no
 * secret, public key or JWKS URL is configured, so that `isa start` and the dev tokens it
 * mints agree out of the box. Servers log a warning when they run with it.
 */
export const DEV_JWT_SECRET = "isa-cloud-embedded-dev-secret-do-not-use-in-production";

/**
 * Reads the auth settings from the environment: `ISA_JWT_SECRET`, `ISA_JWT_PUBLIC_KEY`
 * (PEM; literal `\n` sequences are accepted for one-line env files), `ISA_JWKS_URL`,
 * `ISA_JWT_ISSUER`, `ISA_JWT_AUDIENCE` and `ISA_TRUST_USER_ID` (only the exact value
 * `true` switches the legacy mode on). With no key material at all, the embedded
 * `DEV_JWT_SECRET` is used.
 */
export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const config: AuthConfig = {};
  const secret = nonEmpty(env.ISA_JWT_SECRET);
  const publicKey = nonEmpty(env.ISA_JWT_PUBLIC_KEY);
  const jwksUrl = nonEmpty(env.ISA_JWKS_URL);
  if (secret) config.hs256Secret = secret;
  if (publicKey) config.publicKeyPem = publicKey.replaceAll("\\n", "\n");
  if (jwksUrl) {
    try {
      new URL(jwksUrl);
    } catch {
      throw new Error(`ISA_JWKS_URL is not a valid URL: ${JSON.stringify(jwksUrl)}`);
    }
    config.jwksUrl = jwksUrl;
  }
  if (!secret && !publicKey && !jwksUrl) config.hs256Secret = DEV_JWT_SECRET;
  const issuer = nonEmpty(env.ISA_JWT_ISSUER);
  const audience = nonEmpty(env.ISA_JWT_AUDIENCE);
  if (issuer) config.issuer = issuer;
  if (audience) config.audience = audience;
  const trust = nonEmpty(env.ISA_TRUST_USER_ID);
  if (trust !== undefined && trust !== "true" && trust !== "false") {
    throw new Error(`ISA_TRUST_USER_ID must be "true" or "false", got ${JSON.stringify(trust)}`);
  }
  if (trust === "true") config.trustUserId = true;
  return config;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Throws when a server would listen beyond loopback while tokens are checked with the
 * embedded `DEV_JWT_SECRET`: that secret is public, so anyone who can reach the port could
 * mint a token for any user.
 */
export function assertDevSecretStaysLocal(host: string, auth: AuthConfig): void {
  if (auth.hs256Secret !== DEV_JWT_SECRET || isLoopbackHost(host)) return;
  throw new Error(
    `refusing to listen on ${host}: tokens are checked with the built-in dev secret, which ` +
      "anyone can use to sign tokens; set ISA_JWT_SECRET (or ISA_JWT_PUBLIC_KEY / ISA_JWKS_URL), " +
      "or listen on 127.0.0.1",
  );
}
