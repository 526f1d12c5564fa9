import { describe, expect, it } from "vitest";
import { assertDevSecretStaysLocal, authConfigFromEnv, DEV_JWT_SECRET } from "./auth-config.js";

describe("authConfigFromEnv", () => {
  it("falls back to the embedded dev secret when no key material is set", () => {
    expect(authConfigFromEnv({})).toEqual({ hs256Secret: DEV_JWT_SECRET });
  });

  it("reads every setting, accepting a PEM written on one line with \\n", () => {
    const config = authConfigFromEnv({
      ISA_JWT_SECRET: "s3cret",
      ISA_JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----",
      ISA_JWKS_URL: "https://id.example/jwks.json",
      ISA_JWT_ISSUER: "https://id.example",
      ISA_JWT_AUDIENCE: "isa",
      ISA_TRUST_USER_ID: "true",
    });
    expect(config).toEqual({
      hs256Secret: "s3cret",
      publicKeyPem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
      jwksUrl: "https://id.example/jwks.json",
      issuer: "https://id.example",
      audience: "isa",
      trustUserId: true,
    });
  });

  it("keeps the dev secret out when only a public key or JWKS is configured", () => {
    expect(
      authConfigFromEnv({ ISA_JWKS_URL: "https://id.example/jwks" }).hs256Secret,
    ).toBeUndefined();
  });

  it("switches trust-user-id mode on only for the exact value true", () => {
    expect(authConfigFromEnv({ ISA_TRUST_USER_ID: "false" }).trustUserId).toBeUndefined();
    expect(() => authConfigFromEnv({ ISA_TRUST_USER_ID: "yes" })).toThrow(/ISA_TRUST_USER_ID/);
  });

  it("rejects a JWKS URL that is not a URL", () => {
    expect(() => authConfigFromEnv({ ISA_JWKS_URL: "not a url" })).toThrow(/ISA_JWKS_URL/);
  });
});

describe("assertDevSecretStaysLocal", () => {
  it("throws naming ISA_JWT_SECRET for the dev secret on a non-loopback host only", () => {
    expect(() => assertDevSecretStaysLocal("0.0.0.0", { hs256Secret: DEV_JWT_SECRET })).toThrow(
      /ISA_JWT_SECRET/,
    );
    expect(() =>
      assertDevSecretStaysLocal("127.0.0.1", { hs256Secret: DEV_JWT_SECRET }),
    ).not.toThrow();
    expect(() =>
      assertDevSecretStaysLocal("0.0.0.0", { hs256Secret: "a-real-secret" }),
    ).not.toThrow();
  });
});
