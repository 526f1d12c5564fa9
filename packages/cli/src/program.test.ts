import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTokenVerifier } from "@isa-cloud/rpc-server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../test/memory-io.js";
import { parseParam } from "./commands/query.js";
import { curlExample } from "./commands/start.js";
import { ensureDevSecret } from "./dev-secret.js";
import { run } from "./program.js";
import { sampleEventsCsv } from "./sample-events.js";
import { renderTable } from "./table.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("isa", () => {
  it.each(["start", "token", "upload", "download", "query", "demo"])(
    "prints help for %s and exits 0",
    async (command) => {
      const { io, out } = memoryIo();
      expect(await run([command, "--help"], io)).toBe(0);
      expect(out()).toContain(`Usage: isa ${command}`);
    },
  );

  it("lists every command in its own help", async () => {
    const { io, out } = memoryIo();
    expect(await run(["--help"], io)).toBe(0);
    for (const command of ["start", "token", "upload", "download", "query", "demo"]) {
      expect(out()).toContain(command);
    }
  });

  it("exits 2 on an unknown command or option", async () => {
    const { io, err } = memoryIo();
    expect(await run(["launch"], io)).toBe(2);
    expect(err()).toContain("unknown command");
    expect(await run(["query", "--bogus", "SELECT 1"], memoryIo().io)).toBe(2);
  });

  it("refuses an unknown service for start --only", async () => {
    const { io, err } = memoryIo({}, dir);
    expect(await run(["start", "--only", "database"], io)).toBe(2);
    expect(err()).toContain("--only takes one of storage, analytics, api");
  });

  it("refuses a host with a scheme for start", async () => {
    const { io, err } = memoryIo({}, dir);
    expect(await run(["start", "--host", "http://localhost"], io)).toBe(2);
    expect(err()).toContain("--host must be a host name or IP address");
  });

  it("refuses a bad port for start, naming the option", async () => {
    const { io, err } = memoryIo({}, dir);
    expect(await run(["start", "--api-port", "http"], io)).toBe(2);
    expect(err()).toContain("--api-port must be a port number");
  });
});

describe("isa token", () => {
  it("prints a token the stack's verifier accepts, for the user asked for", async () => {
    const { secret } = await ensureDevSecret(join(dir, "data"));
    const { io, out } = memoryIo({}, dir);
    expect(await run(["token", "--user", "alice", "--org", "acme"], io)).toBe(0);
    const identity = await createTokenVerifier({ hs256Secret: secret })(out().trim());
    expect(identity).toMatchObject({ userId: "alice", orgId: "acme", system: false });
  });

  it("uses ISA_JWT_SECRET when set", async () => {
    const secret = "s".repeat(40);
    const { io, out } = memoryIo({ ISA_JWT_SECRET: secret }, dir);
    expect(await run(["token"], io)).toBe(0);
    expect((await createTokenVerifier({ hs256Secret: secret })(out().trim())).userId).toBe("dev");
  });

  it("explains what to do when there is no secret yet", async () => {
    const { io, err } = memoryIo({}, dir);
    expect(await run(["token"], io)).toBe(2);
    expect(err()).toContain("run `isa start` once");
  });

  it("refuses a lifetime it cannot read", async () => {
    await ensureDevSecret(join(dir, "data"));
    const { io, err } = memoryIo({}, dir);
    for (const bad of ["soon", "bad", "10", "-1h", "1y"]) {
      expect(await run(["token", "--expires", bad], io)).toBe(2);
    }
    expect(err()).toContain("--expires must be a number and a unit");
  });
});

describe("helpers", () => {
  it("parse --param values into JSON types", () => {
    expect(parseParam("since=2024-01-01")).toEqual({ since: "2024-01-01" });
    expect(parseParam("n=5", { a: true })).toEqual({ a: true, n: 5 });
    expect(parseParam("flag=false")).toEqual({ flag: false });
    expect(() => parseParam("novalue")).toThrow("--param takes name=value");
  });

  it("render rows as a table, NULL for missing values", () => {
    const text = renderTable(
      [{ name: "event_type" }, { name: "count" }, { name: "avg_duration" }],
      [
        { event_type: "click", count: 3, avg_duration: 1.5 },
        { event_type: "view", count: 1, avg_duration: null },
      ],
    );
    expect(text).toContain("event_type");
    expect(text).toContain("1.500");
    expect(text).toContain("NULL");
  });

  it("generate the same sample events every time, in the guide's columns", () => {
    const csv = sampleEventsCsv(50);
    expect(csv).toBe(sampleEventsCsv(50));
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("event_type,date,duration,value,user_id");
    expect(lines).toHaveLength(51);
    expect(lines[1]).toMatch(/^[a-z_]+,2024-01-\d{2},[\d.]+,[\d.]*,visitor-\d+$/);
  });

  it("print a one-line curl example with the token and a base64 body", () => {
    const line = curlExample("http://127.0.0.1:8080", "abc.def.ghi");
    expect(line).not.toContain("\n");
    expect(line).toContain("'http://127.0.0.1:8080/api/v1/data/upload'");
    expect(line).toContain("Authorization: Bearer abc.def.ghi");
    expect(line).toContain('"file_name":"hello.txt"');
  });
});

describe(".env", () => {
  it("is read from the working directory, without overriding the environment", async () => {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      join(dir, ".env"),
      `ISA_JWT_SECRET=${"e".repeat(40)}\nISA_DATA_DIR=elsewhere\n`,
    );
    const { io, out } = memoryIo({ ISA_DATA_DIR: "kept" }, dir);
    expect(await run(["token"], io)).toBe(0);
    expect(io.env).toMatchObject({ ISA_DATA_DIR: "kept" });
    const identity = await createTokenVerifier({ hs256Secret: "e".repeat(40) })(out().trim());
    expect(identity.userId).toBe("dev");
  });
});
