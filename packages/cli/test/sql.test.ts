import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startTestStack, type TestStack } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessIsa } from "./in-process.js";

// The SQL commands in this process against one real storage + analytics pair.
let stack: TestStack;
let cwd: string;
let isa: ReturnType<typeof inProcessIsa>;

beforeAll(async () => {
  stack = await startTestStack();
  cwd = join(stack.dir, "client");
  await mkdir(cwd);
  isa = inProcessIsa(stack, cwd);
  expect((await isa.login("newbie")).code).toBe(0);
});

afterAll(async () => {
  await stack?.close();
});

const run = (...args: string[]) => isa.run(args);

describe("isa query", () => {
  it("works for a new user: the database is created on first use", async () => {
    const result = await run("query", "SELECT 42 AS answer", "--format", "csv");
    expect(result).toMatchObject({ code: 0, out: "answer\r\n42\r\n" });
  });

  it("renders values exactly: small doubles, big integers, decimals, microseconds, NULL vs 'NULL'", async () => {
    const sql =
      "SELECT 0.00012::DOUBLE AS d, 12345678901234567890::HUGEINT AS h, 1.50::DECIMAL(10,2) AS m, TIMESTAMP '2024-01-01 12:00:00.123456' AS ts, NULL AS n, 'NULL' AS s";
    const json = JSON.parse((await run("query", sql, "--json")).out);
    expect(json.rows[0]).toEqual({
      d: 0.00012,
      // JSON.parse rounds it; the text check below sees every digit.
      h: Number("12345678901234567890"),
      m: "1.50",
      ts: "2024-01-01 12:00:00.123456",
      n: null,
      s: "NULL",
    });
    expect((await run("query", sql, "--json")).out).toContain('"h":12345678901234567890');
    const table = (await run("query", sql, "--format", "table")).out;
    expect(table).toContain("0.00012");
    expect(table).toContain("12345678901234567890");
    expect(table).toContain("2024-01-01 12:00:00.123456");
    expect(table).toMatch(/│ NULL │ 'NULL' │/);
    expect((await run("query", sql, "--format", "csv")).out.split("\r\n")[1]).toBe(
      "0.00012,12345678901234567890,1.50,2024-01-01 12:00:00.123456,,NULL",
    );
  });

  it("binds -p x=007 as the text 007 and 7 as a number", async () => {
    const result = await run(
      "query",
      "SELECT $x AS x, typeof($x) AS tx, $y + 1 AS y",
      "-p",
      "x=007",
      "-p",
      "y=7",
      "--format",
      "csv",
    );
    expect(result.out).toBe("x,tx,y\r\n007,VARCHAR,8\r\n");
  });

  it("returns every row asked for (-n 50000 gives 50000) and says when it cut", async () => {
    const all = await run("query", "SELECT * FROM range(60000) t(i)", "--format", "csv");
    expect(all.out.trim().split("\r\n")).toHaveLength(60001);
    const cut = await run(
      "query",
      "SELECT * FROM range(60000) t(i)",
      "-n",
      "50000",
      "--format",
      "jsonl",
    );
    expect(cut.out.trim().split("\n")).toHaveLength(50000);
    expect(cut.err).toContain("cut at 50000: more rows exist");
    const json = JSON.parse(
      (await run("query", "SELECT * FROM range(10) t(i)", "-n", "3", "--json")).out,
    );
    expect(json).toMatchObject({ row_count: 3, truncated: true, max_rows: 3 });
    const exact = JSON.parse(
      (await run("query", "SELECT * FROM range(3) t(i)", "-n", "3", "--json")).out,
    );
    expect(exact.truncated).toBe(false);
  });

  it("writes -o FILE complete or not at all", async () => {
    expect((await run("query", "SELECT * FROM range(5) t(i)", "-o", "five.csv")).code).toBe(0);
    expect(await readFile(join(cwd, "five.csv"), "utf8")).toBe("i\r\n0\r\n1\r\n2\r\n3\r\n4\r\n");
    const bad = await run(
      "query",
      "SELECT 1/0::INT AS x FROM range(3) UNION ALL SELECT error('boom')",
      "-o",
      "bad.csv",
    );
    expect(bad.code).toBe(1);
    expect((await readdir(cwd)).filter((f) => f.includes("bad"))).toEqual([]);
  });

  it("fails clearly on bad input", async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [["query", "SELEC 1"], 1, /syntax error/],
      [["query", "SELECT * FROM missing_table"], 1, /missing_table/],
      [["query", "  "], 2, /the SQL is empty/],
      [["query", "SELECT 1", "-n", "0"], 2, /--max-rows must be a positive whole number/],
      [["query", "SELECT 1", "--format", "xml"], 2, /--format takes one of table, csv/],
      [["query", "SELECT 1", "-o", "no/dir/x.csv"], 2, /folder .* does not exist/],
      [
        ["query", "SELECT 1", "--analytics", "127.0.0.1:1"],
        1,
        /cannot reach analytics at 127\.0\.0\.1:1 \(flag --analytics\)/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await run(...args);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.err).toMatch(message);
    }
  });
});

describe("isa import and export", () => {
  it("imports a local CSV into a table named after it, and refuses to overwrite without --replace", async () => {
    await writeFile(join(cwd, "people.csv"), "id,name\n1,ann\n2,bob\n");
    expect(await run("import", "people.csv")).toMatchObject({
      code: 0,
      out: expect.stringContaining("into people: 2 rows"),
    });
    const again = await run("import", "people.csv");
    expect(again.code).toBe(2);
    expect(again.err).toContain("table people exists: add --append");
    expect((await run("import", "people.csv", "--append")).out).toContain("4 rows");
    expect((await run("import", "people.csv", "--replace")).out).toContain("2 rows");
  });

  it("leaves the table as it was when the file is bad", async () => {
    await writeFile(join(cwd, "broken.json"), "{not json");
    const bad = await run("import", "broken.json", "people", "--replace");
    expect(bad.code).toBe(1);
    expect((await run("query", "SELECT count(*) AS n FROM people", "--format", "csv")).out).toBe(
      "n\r\n2\r\n",
    );
    const tables = (
      await run("query", "SELECT table_name FROM information_schema.tables", "--format", "csv")
    ).out;
    expect(tables).not.toContain("_isa_import_");
  });

  it("imports a stored object, and exports csv, json and parquet locally and to storage", async () => {
    await run("mb", "data");
    await run("cp", "people.csv", "isa://data/in/people.csv");
    expect((await run("import", "isa://data/in/people.csv", "stored")).out).toContain(
      "into stored: 2 rows",
    );
    expect((await run("export", "SELECT * FROM stored ORDER BY id", "out.csv")).code).toBe(0);
    expect(await readFile(join(cwd, "out.csv"), "utf8")).toBe("id,name\r\n1,ann\r\n2,bob\r\n");
    expect((await run("export", "SELECT * FROM stored ORDER BY id", "out.json")).code).toBe(0);
    expect((await readFile(join(cwd, "out.json"), "utf8")).split("\n")[0]).toBe(
      '{"id":1,"name":"ann"}',
    );
    expect((await run("export", "SELECT * FROM stored", "out.parquet")).code).toBe(0);
    expect((await readFile(join(cwd, "out.parquet"))).subarray(0, 4).toString()).toBe("PAR1");
    expect((await run("import", "out.parquet", "from_parquet")).out).toContain("2 rows");
    expect((await run("export", "SELECT * FROM stored", "isa://data/out/p.parquet")).out).toContain(
      "exported 2 rows",
    );
    expect((await run("ls", "data/.isa-export/")).out).toBe("");
  });

  it("fails clearly on bad input", async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [["import", "missing.csv"], 2, /missing\.csv is not a file/],
      [["import", "people.csv", "bad-name"], 2, /not a table name/],
      [["import", "people.txt"], 2, /cannot tell the format/],
      [
        ["import", "people.csv", "x", "--format", "xls"],
        2,
        /--format takes one of csv, json, parquet/,
      ],
      [["import", "isa://data/none.csv"], 1, /./],
      [["export", "SELECT 1", "isa://data/"], 2, /needs an object name/],
      [["export", "SELEC", "x.csv"], 1, /syntax error/],
    ];
    for (const [args, code, message] of cases) {
      const result = await run(...args);
      expect({ args, code: result.code }).toEqual({ args, code });
      expect(result.err).toMatch(message);
    }
    expect(await readdir(cwd)).not.toContain("x.csv");
  });
});

describe("isa sql, reading a script", () => {
  it("runs multi-line statements and dot commands, and exits 1 when one failed", async () => {
    const script = [
      "CREATE TABLE t AS",
      "  SELECT 1 AS x;",
      ".mode jsonl",
      "SELECT * FROM t; SELECT 'a;b' AS s;",
      ".tables",
      ".schema t",
      ".mode line",
      "SELECT 2 AS y",
      ";",
      ".output shell-out.csv",
      ".mode csv",
      "SELECT 3 AS z;",
      ".output",
      "SELEC 1;",
      ".mode nope",
      "",
    ].join("\n");
    const result = await isa.run(["sql"], { stdin: script });
    expect(result.out).toContain('{"x":1}');
    expect(result.out).toContain('{"s":"a;b"}');
    expect(result.out).toContain('{"name":"t"}');
    expect(result.out).toContain('{"table":"t","column":"x","type":"INTEGER","null":"YES"}');
    expect(result.out).toContain("y = 2");
    expect(await readFile(join(cwd, "shell-out.csv"), "utf8")).toBe("z\r\n3\r\n");
    expect(result.err).toContain("syntax error");
    expect(result.err).toContain(".mode takes one of");
    expect(result.code).toBe(1);
  });
});
