import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createIsaClient } from "@isa-cloud/rpc/client";
import { ServiceUnavailableError } from "@isa-cloud/rpc/errors";
import { makeTestCertificates, type TestCertificates } from "@isa-cloud/test-tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverTlsFromEnv, signToken } from "../src/index.js";
import { type Fixture, secret, startFixture } from "./fixture.js";

let certs: TestCertificates;
let token: string;
const fixtures: Fixture[] = [];

beforeAll(async () => {
  certs = makeTestCertificates();
  token = await signToken({ secret, sub: "alice" });
});

afterAll(async () => {
  await Promise.all(fixtures.map((f) => f.server.shutdown({ graceMs: 0 })));
  certs?.remove();
});

async function tlsFixture(env: Record<string, string>): Promise<Fixture> {
  const tls = serverTlsFromEnv(env);
  const fixture = await startFixture({ server: tls ? { tls } : {} });
  fixtures.push(fixture);
  return fixture;
}

function client(
  address: string,
  options: Parameters<typeof createIsaClient>[1] extends infer O ? Partial<O> : never,
) {
  return createIsaClient(MinIOServiceDefinition, {
    address,
    token,
    retry: false,
    defaultDeadlineMs: 5_000,
    ...options,
  });
}

describe("TLS on a gRPC server", () => {
  it("serves a client that trusts its CA, read from ISA_TLS_* files", async () => {
    const { address } = await tlsFixture({
      ISA_TLS_CERT: certs.files.serverCert,
      ISA_TLS_KEY: certs.files.serverKey,
    });
    const storage = client(address, { tls: { ca: certs.pem.ca } });
    try {
      const { buckets } = await storage.listBuckets({});
      expect(buckets[0]?.ownerId).toBe("alice");
    } finally {
      storage.close();
    }
  });

  it("takes the CA from ISA_TLS_CA when the client is given none", async () => {
    const { server } = await tlsFixture({
      ISA_TLS_CERT: certs.files.serverCert,
      ISA_TLS_KEY: certs.files.serverKey,
    });
    const before = process.env.ISA_TLS_CA;
    process.env.ISA_TLS_CA = certs.files.ca;
    try {
      // https:// or a bare address: both dial TLS once ISA_TLS_CA is set.
      for (const address of [`https://localhost:${server.port}`, `127.0.0.1:${server.port}`]) {
        const storage = client(address, {});
        try {
          await expect(storage.listBuckets({})).resolves.toMatchObject({ success: true });
        } finally {
          storage.close();
        }
      }
    } finally {
      if (before === undefined) delete process.env.ISA_TLS_CA;
      else process.env.ISA_TLS_CA = before;
    }
  });

  it("refuses a client that does not trust the server's CA", async () => {
    const { address } = await tlsFixture({
      ISA_TLS_CERT: certs.files.serverCert,
      ISA_TLS_KEY: certs.files.serverKey,
    });
    const storage = client(address, { tls: { ca: certs.pem.otherCa } });
    try {
      const failure = await storage.listBuckets({}).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ServiceUnavailableError);
      expect(String((failure as Error).message)).toMatch(/certificate|TLS|handshake/i);
    } finally {
      storage.close();
    }
  });

  it("fails a plaintext client on a TLS port with an error that names TLS", async () => {
    const { address } = await tlsFixture({
      ISA_TLS_CERT: certs.files.serverCert,
      ISA_TLS_KEY: certs.files.serverKey,
    });
    const storage = client(address, { tls: false });
    try {
      const failure = await storage.listBuckets({}).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(ServiceUnavailableError);
      expect((failure as Error).message).toMatch(/TLS/);
    } finally {
      storage.close();
    }
  });

  it("asks for client certificates with ISA_TLS_CLIENT_CA (mTLS)", async () => {
    const { address } = await tlsFixture({
      ISA_TLS_CERT: certs.files.serverCert,
      ISA_TLS_KEY: certs.files.serverKey,
      ISA_TLS_CLIENT_CA: certs.files.ca,
    });
    const anonymous = client(address, { tls: { ca: certs.pem.ca } });
    const known = client(address, {
      tls: { ca: certs.pem.ca, cert: certs.pem.clientCert, key: certs.pem.clientKey },
    });
    try {
      await expect(anonymous.listBuckets({})).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(known.listBuckets({})).resolves.toMatchObject({ success: true });
    } finally {
      anonymous.close();
      known.close();
    }
  });

  it("names the missing half of a certificate and key pair", () => {
    expect(() => serverTlsFromEnv({ ISA_TLS_CERT: certs.files.serverCert })).toThrow(
      /ISA_TLS_KEY is missing/,
    );
    expect(() => serverTlsFromEnv({ ISA_TLS_CLIENT_CA: certs.files.ca })).toThrow(
      /ISA_TLS_CLIENT_CA needs ISA_TLS_CERT/,
    );
    expect(() => serverTlsFromEnv({ ISA_TLS_CERT: "/nonexistent.pem", ISA_TLS_KEY: "x" })).toThrow(
      /ISA_TLS_CERT must be a PEM file/,
    );
  });
});
