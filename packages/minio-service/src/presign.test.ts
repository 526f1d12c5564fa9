import { describe, expect, it } from "vitest";
import { type PresignClaims, presignUrl, verifyPresigned } from "./presign.js";

const SECRET = "unit-test-secret";
const NOW = 1_700_000_000;
const claims: PresignClaims = {
  method: "GET",
  loc: { tenant: { kind: "user", id: "alice@example.com" }, bucket: "reports" },
  key: "2024/Q1 summary ü.pdf",
  expires: NOW + 60,
  ownerId: "alice@example.com",
  responseOverrides: { "response-content-disposition": "attachment" },
};

function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

describe("presigned URLs of the filesystem backend", () => {
  it("verify with the claims they were made with", () => {
    const url = presignUrl("http://localhost:50080/", SECRET, claims);
    expect(url.startsWith("http://localhost:50080/o/u/alice%40example.com/reports/2024/")).toBe(
      true,
    );
    const check = verifyPresigned("GET", pathAndQuery(url), SECRET, NOW);
    expect(check).toEqual({ ok: true, claims });
  });

  it("survive a client re-encoding the path", () => {
    const url = pathAndQuery(presignUrl("http://h", SECRET, claims)).replace("%40", "@");
    expect(verifyPresigned("GET", url, SECRET, NOW).ok).toBe(true);
  });

  it("are refused with 403 when altered, used for another method or expired", () => {
    const url = pathAndQuery(presignUrl("http://h", SECRET, claims));
    const refusals = [
      verifyPresigned("GET", url.replace("reports", "reportz"), SECRET, NOW),
      verifyPresigned(
        "GET",
        url.replace(/X-Isa-Expires=\d+/, `X-Isa-Expires=${NOW + 999}`),
        SECRET,
        NOW,
      ),
      verifyPresigned("GET", url.replace("attachment", "inline"), SECRET, NOW),
      verifyPresigned("GET", `${url}&response-content-type=text%2Fhtml`, SECRET, NOW),
      verifyPresigned("PUT", url, SECRET, NOW),
      verifyPresigned("GET", url, "another-secret", NOW),
      verifyPresigned("GET", url, SECRET, NOW + 61),
    ];
    for (const check of refusals) expect(check).toMatchObject({ ok: false, status: 403 });
  });

  it("are 404 off the route and 403 without a signature", () => {
    expect(verifyPresigned("GET", "/elsewhere/x", SECRET, NOW)).toMatchObject({
      ok: false,
      status: 404,
    });
    expect(verifyPresigned("GET", "/o/u/alice/reports/k", SECRET, NOW)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(verifyPresigned("GET", "/o/u/alice/reports/%E0%A4%A", SECRET, NOW)).toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it("carry the system namespace and a signed content type", () => {
    const put: PresignClaims = {
      method: "PUT",
      loc: { tenant: { kind: "system" }, bucket: "isa-duckdb" },
      key: "db/x.duckdb",
      expires: NOW + 10,
      contentType: "application/octet-stream",
      ownerId: "duckdb",
      responseOverrides: {},
    };
    const url = pathAndQuery(presignUrl("http://h", SECRET, put));
    expect(url.startsWith("/o/sys/isa-duckdb/db/x.duckdb?")).toBe(true);
    expect(verifyPresigned("PUT", url, SECRET, NOW)).toEqual({ ok: true, claims: put });
  });
});
