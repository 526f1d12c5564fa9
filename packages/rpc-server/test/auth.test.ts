import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createIsaClient, type IsaClient } from "@isa-cloud/rpc/client";
import { PermissionDeniedError, UnauthenticatedError } from "@isa-cloud/rpc/wire";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { Metadata } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "../src/index.js";
import { type Fixture, secret, startFixture } from "./fixture.js";

type MinioClient = IsaClient<typeof MinIOServiceDefinition>;

describe("HS256 auth", () => {
  let fixture: Fixture;
  const clients: MinioClient[] = [];
  const client = (token?: string) => {
    const c = createIsaClient(MinIOServiceDefinition, {
      address: fixture.address,
      retry: false,
      ...(token ? { token } : {}),
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await fixture.server.shutdown();
  });

  it("accepts a valid token and takes the user from its subject", async () => {
    const token = await signToken({ secret, sub: "alice" });
    const res = await client(token).listBuckets({});
    expect(res.buckets[0]?.ownerId).toBe("alice");
    expect(res.buckets[0]?.tags.system).toBe("false");
  });

  it("sends a call's own token over the client's, so one client serves many callers", async () => {
    const [alice, bob] = await Promise.all([
      signToken({ secret, sub: "alice" }),
      signToken({ secret, sub: "bob" }),
    ]);
    const shared = client(alice);
    const [asAlice, asBob] = await Promise.all([
      shared.listBuckets({}),
      shared.listBuckets({}, { token: bob }),
    ]);
    expect(asAlice.buckets[0]?.ownerId).toBe("alice");
    expect(asBob.buckets[0]?.ownerId).toBe("bob");
  });

  it("binds a client to one caller with forToken, over the same connections", async () => {
    const bob = await signToken({ secret, sub: "bob" });
    const carol = await signToken({ secret, sub: "carol" });
    const shared = client();
    const asBob = shared.forToken(bob);
    expect((await asBob.listBuckets({})).buckets[0]?.ownerId).toBe("bob");
    // A call's own token still wins; closing the view leaves the shared client usable.
    expect((await asBob.listBuckets({}, { token: carol })).buckets[0]?.ownerId).toBe("carol");
    asBob.close();
    await expect(shared.listBuckets({})).rejects.toBeInstanceOf(UnauthenticatedError);
    // (The refused call never reaches the service, so two calls were recorded.)
    expect(new Set(fixture.state.peers.slice(-2)).size).toBe(1);
  });

  it("rejects a call without a token as UNAUTHENTICATED", async () => {
    await expect(client().listBuckets({})).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("rejects a token signed with another secret as UNAUTHENTICATED", async () => {
    const forged = await signToken({ secret: "not-the-server-secret-at-all", sub: "alice" });
    const err = await client(forged)
      .listBuckets({})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect((err as UnauthenticatedError).details).toMatch(/signature/);
  });

  it("rejects something that is not a JWT as UNAUTHENTICATED", async () => {
    await expect(client("not-a-jwt").listBuckets({})).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("rejects an authorization header that is not a bearer token", async () => {
    const metadata = Metadata({ authorization: "Basic YWxpY2U6cHc=" });
    await expect(client().listBuckets({}, { metadata })).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
  });

  it("rejects an expired token as UNAUTHENTICATED with a hint to renew it", async () => {
    const expired = await signToken({ secret, sub: "alice", expiresIn: "-1m" });
    const err = await client(expired)
      .listBuckets({})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect((err as UnauthenticatedError).details).toMatch(/expired/);
  });

  it("rejects a token without a subject", async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(secret));
    await expect(client(token).listBuckets({})).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("rejects a token without an expiry as UNAUTHENTICATED, naming the missing claim", async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("alice")
      .sign(new TextEncoder().encode(secret));
    const err = await client(token)
      .listBuckets({})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthenticatedError);
    expect((err as UnauthenticatedError).details).toMatch(/`exp`/);
  });

  it("denies a request whose user_id is not the token's subject", async () => {
    const token = await signToken({ secret, sub: "alice" });
    const err = await client(token)
      .listBuckets({ userId: "bob" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect((err as PermissionDeniedError).details).toMatch(/"bob".*"alice"/);
  });

  it("accepts a request whose user_id is the token's subject", async () => {
    const token = await signToken({ secret, sub: "alice" });
    const res = await client(token).listBuckets({ userId: "alice" });
    expect(res.buckets[0]?.ownerId).toBe("alice");
  });

  it("lets a member act for its organization and denies any other organization", async () => {
    const token = await signToken({ secret, sub: "alice", org: "acme" });
    const res = await client(token).listBuckets({ organizationId: "acme" });
    expect(res.buckets[0]?.organizationId).toBe("acme");
    await expect(client(token).listBuckets({ organizationId: "globex" })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    const orgless = await signToken({ secret, sub: "bob" });
    await expect(client(orgless).listBuckets({ organizationId: "acme" })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
  });

  it("marks a token with isa_system as a system identity", async () => {
    const token = await signToken({ secret, sub: "duckdb-service", system: true });
    const res = await client(token).listBuckets({});
    expect(res.buckets[0]?.tags.system).toBe("true");
  });

  it("authenticates client streams before the service reads them", async () => {
    async function* upload() {
      yield {
        payload: {
          $case: "metadata" as const,
          value: {
            bucketName: "b",
            objectKey: "k",
            userId: "",
            contentType: "",
            contentLength: 0n,
            metadata: {},
            storageClass: "",
          },
        },
      };
      yield { payload: { $case: "chunkData" as const, value: new Uint8Array(3) } };
    }
    await expect(client().putObject(upload())).rejects.toBeInstanceOf(UnauthenticatedError);
    const token = await signToken({ secret, sub: "alice" });
    const res = await client(token).putObject(upload());
    expect(res.size).toBe(3n);
    expect(res.etag).toBe("alice");
  });

  it("answers the service's HealthCheck without a token", async () => {
    const res = await client().healthCheck({});
    expect(res.healthy).toBe(true);
    expect(res.details).toEqual({ caller: null });
  });

  it("still tells the HealthCheck who calls when a valid token is sent, and ignores a bad one", async () => {
    const token = await signToken({ secret, sub: "alice" });
    expect((await client(token).healthCheck({})).details).toEqual({ caller: "alice" });
    expect((await client("garbage").healthCheck({})).details).toEqual({ caller: null });
    const basic = Metadata({ authorization: "Basic YWxpY2U6cHc=" });
    expect((await client().healthCheck({}, { metadata: basic })).details).toEqual({ caller: null });
  });
});

describe("trust-user-id mode", () => {
  let fixture: Fixture;
  let client: MinioClient;

  beforeAll(async () => {
    fixture = await startFixture({ auth: { hs256Secret: secret, trustUserId: true } });
    client = createIsaClient(MinIOServiceDefinition, { address: fixture.address, retry: false });
  });
  afterAll(async () => {
    client.close();
    await fixture.server.shutdown();
  });

  it("takes the identity from the request's user_id when no token is sent", async () => {
    const res = await client.listBuckets({ userId: "legacy-user" });
    expect(res.buckets[0]?.ownerId).toBe("legacy-user");
    expect(res.buckets[0]?.organizationId).toBe("");
  });

  it("never takes the organization from the request: naming one without a token is PERMISSION_DENIED", async () => {
    const err = await client
      .listBuckets({ userId: "legacy-user", organizationId: "acme" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect((err as PermissionDeniedError).details).toMatch(/organization "acme"/);
  });

  it("takes the identity of a client stream from its first message", async () => {
    async function* upload() {
      yield {
        payload: {
          $case: "metadata" as const,
          value: {
            bucketName: "b",
            objectKey: "k",
            userId: "legacy-user",
            contentType: "",
            contentLength: 0n,
            metadata: {},
            storageClass: "",
          },
        },
      };
      yield { payload: { $case: "chunkData" as const, value: new Uint8Array(5) } };
    }
    const res = await client.putObject(upload());
    expect(res.etag).toBe("legacy-user");
    expect(res.size).toBe(5n);
  });

  it("still rejects a call that names no user and sends no token", async () => {
    await expect(client.listBuckets({})).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("still verifies a token when one is sent", async () => {
    const forged = await signToken({ secret: "another-secret-entirely-123", sub: "x" });
    await expect(
      client.listBuckets(
        { userId: "x" },
        { metadata: Metadata({ authorization: `Bearer ${forged}` }) },
      ),
    ).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe("asymmetric keys", () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let jwksServer: Server;
  const fixtures: Fixture[] = [];
  const clients: MinioClient[] = [];
  const call = (fixture: Fixture, token: string) => {
    const c = createIsaClient(MinIOServiceDefinition, {
      address: fixture.address,
      retry: false,
      token,
    });
    clients.push(c);
    return c.listBuckets({});
  };
  const rs256 = (claims: { sub: string; iss?: string; aud?: string }) => {
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setSubject(claims.sub)
      .setExpirationTime("1h");
    if (claims.iss) jwt.setIssuer(claims.iss);
    if (claims.aud) jwt.setAudience(claims.aud);
    return jwt.sign(keys.privateKey);
  };

  beforeAll(async () => {
    keys = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwksServer = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const f of fixtures) await f.server.shutdown();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  it("verifies RS256 tokens with a PEM public key", async () => {
    const pem = await exportSPKI(keys.publicKey);
    const fixture = await startFixture({ auth: { publicKeyPem: pem } });
    fixtures.push(fixture);
    const res = await call(fixture, await rs256({ sub: "carol" }));
    expect(res.buckets[0]?.ownerId).toBe("carol");
    // The public key is public: an HS256 token "signed" with it must not pass.
    const confused = await signToken({ secret: pem, sub: "mallory" });
    await expect(call(fixture, confused)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("verifies RS256 tokens against a JWKS URL and checks issuer and audience", async () => {
    const { port } = jwksServer.address() as AddressInfo;
    const fixture = await startFixture({
      auth: {
        jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
        issuer: "https://id.example",
        audience: "isa",
      },
    });
    fixtures.push(fixture);
    const good = await rs256({ sub: "dave", iss: "https://id.example", aud: "isa" });
    expect((await call(fixture, good)).buckets[0]?.ownerId).toBe("dave");
    const wrongAudience = await rs256({ sub: "dave", iss: "https://id.example", aud: "other" });
    await expect(call(fixture, wrongAudience)).rejects.toBeInstanceOf(UnauthenticatedError);
    const wrongIssuer = await rs256({ sub: "dave", iss: "https://evil.example", aud: "isa" });
    await expect(call(fixture, wrongIssuer)).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});
