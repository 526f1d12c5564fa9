import { describe, expect, it } from "vitest";
import { ANALYZE_BEHAVIOR_SQL, insertFromStagingSql } from "./sql.js";

describe("analysis SQL", () => {
  it("binds the date range instead of formatting it in", () => {
    expect(ANALYZE_BEHAVIOR_SQL).toContain("BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)");
    expect(ANALYZE_BEHAVIOR_SQL).not.toMatch(/'\{|\$\{/);
  });
});

describe("insertFromStagingSql", () => {
  it("casts the columns the file has and fills the ones it lacks", () => {
    const sql = insertFromStagingSql("import_ab12", new Set(["event_type", "date", "value"]));
    expect(sql).toBe(
      'INSERT INTO user_events BY NAME SELECT CAST("event_type" AS VARCHAR) AS event_type, ' +
        'CAST("date" AS DATE) AS date, CAST(NULL AS DOUBLE) AS duration, ' +
        'CAST("value" AS DOUBLE) AS value, CAST($owner AS VARCHAR) AS user_id FROM "import_ab12"',
    );
  });

  it("gives events without a subject to the owner, binding the owner's id", () => {
    const sql = insertFromStagingSql("s", new Set(["event_type", "date", "user_id"]));
    expect(sql).toContain(
      'coalesce(CAST("user_id" AS VARCHAR), CAST($owner AS VARCHAR)) AS user_id',
    );
  });

  it("ignores columns user_events does not have", () => {
    const sql = insertFromStagingSql("s", new Set(["event_type", "date", "session"]));
    expect(sql).not.toContain("session");
  });
});
