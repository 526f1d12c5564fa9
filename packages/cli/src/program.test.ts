import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
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

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "isa-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const COMMANDS = [
  "start",
  "login",
  "config",
  "config show",
  "config list",
  "config use",
  "config set",
  "config unset",
  "token",
  "ls",
  "stat",
  "cat",
  "mb",
  "rb",
  "rm",
  "presign",
  "share",
  "cp",
  "mirror",
  "upload",
  "download",
  "query",
  "sql",
  "import",
  "export",
  "demo",
  "completion",
];

describe("isa", () => {
  it.each(COMMANDS)("prints help with an example for %s and exits 0", async (command) => {
    const { io, out } = memoryIo();
    expect(await run([...command.split(" "), "--help"], io)).toBe(0);
    expect(out()).toContain(`Usage: isa ${command}`);
    if (command !== "start") expect(out()).toMatch(/Examples?:\n {2}\S/);
  });

  it("lists every command in its own help", async () => {
    const { io, out } = memoryIo();
    expect(await run(["--help"], io)).toBe(0);
    for (const command of COMMANDS.filter((c) => !c.includes(" "))) {
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
    expect(err()).toMatch(/--only takes one of storage, analytics, (\w+, )?api/);
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

describe("isa completion", () => {
  it("prints a script each shell accepts, naming every command", async () => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const { io, out } = memoryIo();
      expect(await run(["completion", shell], io)).toBe(0);
      for (const command of ["mirror", "query", "import"]) expect(out()).toContain(command);
      const file = join(dir, `isa.${shell}`);
      await writeFile(file, out());
      // Syntax-checked by the shell itself where it is installed (bash always is).
      try {
        execFileSync(shell, shell === "fish" ? ["--no-execute", file] : ["-n", file], {
          stdio: "pipe",
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    expect(await run(["completion", "tcsh"], memoryIo().io)).toBe(2);
  });

  it("completes subcommands and options in bash", async () => {
    const { io, out } = memoryIo();
    await run(["completion", "bash"], io);
    const complete = (line: string) => {
      const words = line.split(" ");
      const script = `${out()}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _isa; echo "\${COMPREPLY[*]}"`;
      return execFileSync("bash", ["-c", script], { encoding: "utf8" }).trim().split(" ");
    };
    expect(complete("isa mir")).toEqual(["mirror"]);
    expect(complete("isa cp --rec")).toEqual(["--recursive"]);
    expect(complete("isa config sh")).toEqual(["show"]);
    expect(complete("isa config show --js")).toEqual(["--json"]);
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
  it("parse --param values: canonical numbers, booleans and null, the rest text", () => {
    expect(parseParam("since=2024-01-01")).toEqual({ since: "2024-01-01" });
    expect(parseParam("n=5", { a: true })).toEqual({ a: true, n: 5 });
    expect(parseParam("flag=false")).toEqual({ flag: false });
    expect(parseParam("x=007")).toEqual({ x: "007" });
    expect(parseParam("x=1.50")).toEqual({ x: 1.5 });
    expect(parseParam("x=9007199254740993")).toEqual({ x: 9007199254740993n });
    expect(parseParam("x=null")).toEqual({ x: null });
    expect(() => parseParam("novalue")).toThrow("--param takes name=value");
    expect(() => parseParam("bad-name=1")).toThrow("must be letters, digits");
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
