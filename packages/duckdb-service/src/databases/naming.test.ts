import { describe, expect, it } from "vitest";
import {
  assertDatabaseName,
  backupOwnerSegment,
  backupPrefix,
  databaseKey,
  isOwnedBy,
  localDatabasePath,
  type Owner,
  ownerSegment,
  storeKeys,
} from "./naming.js";

/** Bytes of a key segment once the storage service's filesystem backend has escaped it. */
function escaped(segment: string): number {
  let bytes = 0;
  for (const byte of Buffer.from(segment, "utf8")) {
    const c = String.fromCharCode(byte);
    bytes += /[a-z0-9._-]/.test(c) ? 1 : /[A-Z]/.test(c) ? 2 : 3;
  }
  return bytes;
}

function expectStorable(key: string): void {
  expect(Buffer.byteLength(key)).toBeLessThanOrEqual(1024 - "sys/duckdb-databases/".length);
  for (const segment of key.split("/")) expect(escaped(segment)).toBeLessThanOrEqual(254);
}

describe("naming", () => {
  it("keeps owners apart whatever characters their ids hold", () => {
    const ids = ["a", "a-b", "a/b", "../a", "A", "user-61", "ä", "a b"];
    const segments = new Set(ids.map((id) => ownerSegment({ kind: "user", id })));
    expect(segments.size).toBe(ids.length);
    expect(ownerSegment({ kind: "user", id: "x" })).not.toBe(
      ownerSegment({ kind: "org", id: "x" }),
    );
    for (const id of ids) {
      expect(ownerSegment({ kind: "org", id })).toBe(
        `org-${Buffer.from(id, "utf8").toString("hex")}`,
      );
    }
  });

  it("keeps today's owner segments up to 124 bytes of id and hashes longer ones", () => {
    const fits = "u".repeat(124);
    expect(ownerSegment({ kind: "user", id: fits })).toBe(
      `user-${Buffer.from(fits).toString("hex")}`,
    );
    // Two long ids sharing their first 64 bytes still get different segments.
    const a = ownerSegment({ kind: "user", id: `${"u".repeat(200)}a` });
    const b = ownerSegment({ kind: "user", id: `${"u".repeat(200)}b` });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^user-(75){64}\.[0-9a-f]{64}$/);
    // A hashed segment never equals a plain one: hex has no '.'.
    expect(ownerSegment({ kind: "user", id: "u".repeat(125) })).toContain(".");
  });

  it("keeps every storage key and local file name within the limits, for any id and name", () => {
    const owners: Owner[] = [
      { kind: "user", id: "x".repeat(300) },
      { kind: "org", id: "組".repeat(400) },
      { kind: "user", id: "a" },
    ];
    const names = ["db", "D".repeat(128), "d".repeat(128)];
    for (const owner of owners) {
      for (const name of names) {
        expectStorable(storeKeys.database(owner, name));
        expectStorable(storeKeys.registry(owner, name));
        expectStorable(storeKeys.backup(owner, name, "B".repeat(128)));
        const path = localDatabasePath("/cache", owner, name);
        for (const piece of `${path}.wal.checkpoint`.split("/")) {
          expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(255);
        }
      }
    }
    // Names that fit keep their plain form.
    expect(storeKeys.database({ kind: "user", id: "a" }, "d".repeat(128))).toBe(
      `databases/user-61/${"d".repeat(128)}.duckdb`,
    );
  });

  it("never lets a user id and database name combine into another owner's key", () => {
    const a = databaseKey({ kind: "user", id: "a" }, "b-x");
    const b = databaseKey({ kind: "user", id: "a-b" }, "x");
    expect(a).not.toBe(b);
    expect(storeKeys.database({ kind: "user", id: "../x" }, "db")).toMatch(
      /^databases\/user-[0-9a-f]+\/db\.duckdb$/,
    );
    expect(isOwnedBy(a, { kind: "user", id: "a" })).toBe(true);
    expect(isOwnedBy(b, { kind: "user", id: "a" })).toBe(false);
  });

  it("splits long owner ids into path pieces a filesystem accepts", () => {
    const path = localDatabasePath("/cache", { kind: "user", id: "u".repeat(300) }, "db");
    for (const piece of path.split("/")) expect(piece.length).toBeLessThanOrEqual(255);
    expect(path.endsWith("/db.duckdb")).toBe(true);
  });

  it("rejects database names outside letters, digits, '_' and '-'", () => {
    for (const bad of ["", "a/b", "..", "a.b", "x".repeat(129), "a b"]) {
      expect(() => assertDatabaseName(bad)).toThrow(/invalid/);
    }
    expect(() => assertDatabaseName("user-123-analytics")).not.toThrow();
  });

  it("reads back only the backup paths it makes", () => {
    for (const owner of [
      { kind: "org" as const, id: "acme" },
      { kind: "user" as const, id: "u".repeat(300) },
    ]) {
      const path = storeKeys.backup(owner, "sales", "2024-01-01");
      expect(backupOwnerSegment(path)).toBe(ownerSegment(owner));
      expect(path.startsWith(backupPrefix(owner, "sales"))).toBe(true);
      expect(path.startsWith(backupPrefix(owner, "sale"))).toBe(false);
    }
    const owner = { kind: "org" as const, id: "acme" };
    expect(backupOwnerSegment("backups/user-zz/x/y.duckdb")).toBeUndefined();
    expect(backupOwnerSegment("../../etc/passwd")).toBeUndefined();
    expect(backupOwnerSegment(`backups/${ownerSegment(owner)}/sales/../x.duckdb`)).toBeUndefined();
    expect(backupOwnerSegment(`backups/${ownerSegment(owner)}/../x.duckdb`)).toBeUndefined();
  });
});
