import { decodeJwt, SignJWT } from "jose";
import { ServerError, Status } from "nice-grpc";
import { describe, expect, it } from "vitest";
import { signToken } from "./sign-token.js";
import { createTokenVerifier } from "./token-verifier.js";

const secret = "unit-test-secret-unit-test-secret";

describe("createTokenVerifier", () => {
  it("returns the identity of a token: subject, organization, system flag and the token", async () => {
    const verify = createTokenVerifier({ hs256Secret: secret });
    const token = await signToken({ secret, sub: "u1", org: "o1", system: true });
    expect(await verify(token)).toEqual({ userId: "u1", orgId: "o1", system: true, token });
  });

  it("stops accepting a remembered token once it expires", async () => {
    const verify = createTokenVerifier({ hs256Secret: secret });
    const token = await signToken({ secret, sub: "u1", expiresIn: "1s" });
    expect((await verify(token)).userId).toBe("u1");
    expect((await verify(token)).userId).toBe("u1");
    const exp = decodeJwt(token).exp! * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp - Date.now()) + 50));
    const err = await verify(token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe(Status.UNAUTHENTICATED);
    expect((err as ServerError).details).toMatch(/expired/);
  });

  it("rejects a token without `exp` as UNAUTHENTICATED", async () => {
    const verify = createTokenVerifier({ hs256Secret: secret });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("u1")
      .sign(new TextEncoder().encode(secret));
    const err = await verify(token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe(Status.UNAUTHENTICATED);
    expect((err as ServerError).details).toMatch(/no `exp` claim/);
  });

  it("rejects a token without `sub` as UNAUTHENTICATED", async () => {
    const verify = createTokenVerifier({ hs256Secret: secret });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(secret));
    const err = await verify(token).catch((e: unknown) => e);
    expect((err as ServerError).code).toBe(Status.UNAUTHENTICATED);
    expect((err as ServerError).details).toMatch(/no `sub` claim/);
  });

  it("refuses to be built without a secret, key or JWKS", () => {
    expect(() => createTokenVerifier({})).toThrow(/hs256Secret, publicKeyPem or jwksUrl/);
  });
});
