import { describe, expect, it } from "vitest";
import {
  assertDatabaseName,
  databaseKey,
  localDatabasePath,
  ownerSegment,
  parseBackupPath,
  parseOwnerSegment,
  storeKeys,
} from "./naming.js";

describe("naming", () => {
  it("keeps owners apart whatever characters their ids hold", () => {
    const ids = ["a", "a-b", "a/b", "../a", "A", "user-61", "ä", "a b"];
    const segments = new Set(ids.map((id) => ownerSegment({ kind: "user", id })));
    expect(segments.size).toBe(ids.length);
    expect(ownerSegment({ kind: "user", id: "x" })).not.toBe(
      ownerSegment({ kind: "org", id: "x" }),
    );
    for (const id of ids) {
      expect(parseOwnerSegment(ownerSegment({ kind: "org", id }))).toEqual({ kind: "org", id });
    }
  });

  it("never lets a user id and database name combine into another owner's key", () => {
    const a = databaseKey({ kind: "user", id: "a" }, "b-x");
    const b = databaseKey({ kind: "user", id: "a-b" }, "x");
    expect(a).not.toBe(b);
    expect(storeKeys.database({ kind: "user", id: "../x" }, "db")).toMatch(
      /^databases\/user-[0-9a-f]+\/db\.duckdb$/,
    );
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
    const owner = { kind: "org" as const, id: "acme" };
    const path = storeKeys.backup(owner, "sales", "2024-01-01");
    expect(parseBackupPath(path)).toEqual({ owner, name: "sales", backup: "2024-01-01" });
    expect(parseBackupPath("backups/user-zz/x/y.duckdb")).toBeUndefined();
    expect(parseBackupPath("../../etc/passwd")).toBeUndefined();
    expect(parseBackupPath(`backups/${ownerSegment(owner)}/sales/../x.duckdb`)).toBeUndefined();
  });
});
