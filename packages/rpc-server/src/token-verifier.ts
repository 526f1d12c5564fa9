import { createPublicKey, type KeyObject } from "node:crypto";
import type { Identity } from "@isa-cloud/rpc/wire";
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import { ServerError, Status } from "nice-grpc";
import type { AuthConfig } from "./identity.js";

const cacheSize = 1024;
const cacheMs = 60_000;

const hmacAlgorithms = ["HS256", "HS384", "HS512"];
const asymmetricAlgorithms = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/**
 * Builds the function that turns a bearer token into an `Identity`. The token's `alg`
 * header picks the key: HS* uses `hs256Secret`, anything else the public key or the JWKS
 * (never the secret, so a public key can't be replayed as an HMAC secret). Failures are
 * `ServerError`s: UNAUTHENTICATED for a bad token, UNAVAILABLE when the JWKS can't be
 * fetched (the caller did nothing wrong).
 */
export function createTokenVerifier(config: AuthConfig): (token: string) => Promise<Identity> {
  const secret = config.hs256Secret ? new TextEncoder().encode(config.hs256Secret) : undefined;
  const publicKey = config.publicKeyPem ? parsePublicKey(config.publicKeyPem) : undefined;
  const jwks = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : undefined;
  if (!secret && !publicKey && !jwks) {
    throw new Error(
      "auth config has no hs256Secret, publicKeyPem or jwksUrl to verify tokens with",
    );
  }
  // A token without `exp` would be good forever once leaked; `sub` is the user id.
  const claims: JWTVerifyOptions = { requiredClaims: ["exp", "sub"] };
  if (config.issuer) claims.issuer = config.issuer;
  if (config.audience) claims.audience = config.audience;

  // Verifying a signature costs more than a small call itself; a client sends the same
  // token for its lifetime, so good tokens are remembered until they expire (at most
  // `cacheMs`). Only successes are cached: a bad token is checked (and fails) every time.
  const cache = new Map<string, { identity: Identity; until: number }>();

  return async (token) => {
    const hit = cache.get(token);
    if (hit && Date.now() < hit.until) return hit.identity;
    if (hit) cache.delete(token);
    const { identity, expiresAt } = await verify(token);
    if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
    cache.set(token, { identity, until: Math.min(expiresAt, Date.now() + cacheMs) });
    return identity;
  };

  async function verify(token: string): Promise<{ identity: Identity; expiresAt: number }> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthenticated("the bearer token is not a JWT; send `authorization: Bearer <JWT>`");
    }
    let payload: JWTPayload;
    try {
      if (alg !== undefined && hmacAlgorithms.includes(alg)) {
        if (!secret) throw unauthenticated(`${alg} tokens are not accepted by this server`);
        ({ payload } = await jwtVerify(token, secret, { ...claims, algorithms: hmacAlgorithms }));
      } else if (publicKey) {
        ({ payload } = await jwtVerify(token, publicKey, {
          ...claims,
          algorithms: asymmetricAlgorithms,
        }));
      } else if (jwks) {
        ({ payload } = await jwtVerify(token, jwks, {
          ...claims,
          algorithms: asymmetricAlgorithms,
        }));
      } else {
        throw unauthenticated(`${alg ?? "unsigned"} tokens are not accepted by this server`);
      }
    } catch (err) {
      throw toAuthError(err);
    }
    if (typeof payload.sub !== "string" || payload.sub === "") {
      throw unauthenticated("the token has no `sub` claim (the user id)");
    }
    const identity: Identity = { userId: payload.sub, system: payload.isa_system === true, token };
    if (typeof payload.org === "string" && payload.org !== "") identity.orgId = payload.org;
    return { identity, expiresAt: (payload.exp as number) * 1000 };
  }
}

function parsePublicKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new Error(`publicKeyPem is not a PEM public key: ${(err as Error).message}`);
  }
}

function unauthenticated(message: string): ServerError {
  return new ServerError(Status.UNAUTHENTICATED, message);
}

function toAuthError(err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  if (err instanceof errors.JWTExpired) {
    return unauthenticated("the token has expired; get a new token");
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === "missing") {
      return unauthenticated(`the token has no \`${err.claim}\` claim; tokens must carry it`);
    }
    return unauthenticated(`the token's \`${err.claim}\` claim is not accepted: ${err.message}`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return unauthenticated(
      "the token's signature does not verify; it was signed with another secret or key",
    );
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return unauthenticated("no key of the JWKS matches the token's `kid`");
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
    return new ServerError(Status.UNAVAILABLE, `could not load the JWKS: ${err.message}`);
  }
  if (err instanceof errors.JOSEError) {
    return unauthenticated(`the token is invalid: ${err.message}`);
  }
  // fetch() failures of the JWKS endpoint surface as plain errors.
  return new ServerError(
    Status.UNAVAILABLE,
    `could not verify the token: ${(err as Error)?.message ?? String(err)}`,
  );
}
