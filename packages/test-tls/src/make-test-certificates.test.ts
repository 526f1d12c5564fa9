import { X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestCertificates, type TestCertificates } from "./make-test-certificates.js";

describe("makeTestCertificates", () => {
  let certs: TestCertificates;
  beforeAll(() => {
    certs = makeTestCertificates();
  });
  afterAll(() => certs.remove());

  it("signs the server and client certificates with the test CA, not the other one", () => {
    const ca = new X509Certificate(certs.pem.ca);
    const otherCa = new X509Certificate(certs.pem.otherCa);
    for (const pem of [certs.pem.serverCert, certs.pem.clientCert]) {
      const cert = new X509Certificate(pem);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.verify(otherCa.publicKey)).toBe(false);
    }
  });

  it("names the loopback addresses in the server certificate", () => {
    const server = new X509Certificate(certs.pem.serverCert);
    expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(server.checkHost("localhost")).toBe("localhost");
  });

  it("deletes its folder on remove", () => {
    const other = makeTestCertificates();
    other.remove();
    expect(existsSync(other.dir)).toBe(false);
  });
});
