// `pnpm --filter @isa-cloud/cli bench` (after a build): the `isa` bin as a user runs it,
// against `isa start` in a child process (ports 0, a temp data dir and config dir).
//   1. `isa query` of BENCH_ROWS (1M) rows into a pipe and into a file: rows/s, peak RSS
//   2. `isa cp -r` and `isa mirror` of BENCH_FILES (1,000) 4 KiB files up, next to `cp -r`
//   3. `isa cp` of one BENCH_MIB (1,024) MiB file up and down, next to `cp`
// Peak RSS is the child's VmHWM, read from /proc until it exits.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../dist/launcher.cjs", import.meta.url));
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const FILES = Number(process.env.BENCH_FILES ?? 1000);
const MIB = Number(process.env.BENCH_MIB ?? 1024);

const dir = await mkdtemp(join(tmpdir(), "isa-cli-bench-"));
const env = {
  PATH: process.env.PATH,
  XDG_CONFIG_HOME: join(dir, "config"),
  XDG_STATE_HOME: join(dir, "state"),
};
const ports = { MINIO_GRPC_PORT: "0", MINIO_HTTP_PORT: "0", DUCKDB_GRPC_PORT: "0", API_PORT: "0" };

/** Runs a command; resolves with seconds, peak RSS (MiB) and how many bytes it wrote to stdout. */
function measure(command, args, { stdout = "count" } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: dir,
      env,
      stdio: ["ignore", stdout === "count" ? "pipe" : "ignore", "pipe"],
    });
    let bytes = 0;
    let peakKb = 0;
    let err = "";
    child.stdout?.on("data", (chunk) => {
      bytes += chunk.length;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    const poll = setInterval(async () => {
      try {
        const status = await readFile(`/proc/${child.pid}/status`, "utf8");
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      } catch {
        // Exited meanwhile.
      }
    }, 20);
    child.on("close", (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${err}`));
      else resolve({ seconds: (performance.now() - started) / 1000, rssMiB: peakKb / 1024, bytes });
    });
  });
}

const isa = (...args) => measure(process.execPath, [bin, ...args]);
const row = (what, result, rate) =>
  console.log(
    `${what.padEnd(44)} ${result.seconds.toFixed(2).padStart(7)} s  ${rate.padStart(16)}  peak RSS ${result.rssMiB.toFixed(0).padStart(4)} MiB`,
  );

const stack = spawn(process.execPath, [bin, "start", "--data-dir", join(dir, "data")], {
  cwd: dir,
  env: { ...env, ...ports },
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  await new Promise((resolve, reject) => {
    let out = "";
    stack.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("Stop with Ctrl-C.")) resolve();
    });
    stack.once("exit", (code) => reject(new Error(`isa start exited ${code}:\n${out}`)));
  });
  console.log(
    `isa CLI bench: ${ROWS} rows, ${FILES} small files, ${MIB} MiB file; node ${process.version}\n`,
  );

  const sql = `SELECT i, i * 2 AS j, 'row ' || i AS s, i / 7.0 AS d FROM range(${ROWS}) t(i)`;
  await isa("query", "SELECT 1", "--quiet"); // creates the database, warms the page cache
  const pipe = await isa("query", sql, "--format", "csv");
  row(
    `query ${ROWS} rows -> pipe (csv)`,
    pipe,
    `${Math.round(ROWS / pipe.seconds).toLocaleString("en")} rows/s`,
  );
  const file = await isa("query", sql, "--format", "csv", "-o", join(dir, "rows.csv"), "--quiet");
  row(
    `query ${ROWS} rows -> file (csv)`,
    file,
    `${Math.round(ROWS / file.seconds).toLocaleString("en")} rows/s`,
  );
  const jsonl = await isa("query", sql, "--format", "jsonl");
  row(
    `query ${ROWS} rows -> pipe (jsonl)`,
    jsonl,
    `${Math.round(ROWS / jsonl.seconds).toLocaleString("en")} rows/s`,
  );

  const small = join(dir, "small");
  await mkdir(small);
  const body = Buffer.alloc(4096, 97);
  for (let i = 0; i < FILES; i++)
    await writeFile(join(small, `f${String(i).padStart(4, "0")}.txt`), body);
  await isa("mb", "data", "-p", "--quiet");
  const files = (r) => `${Math.round(FILES / r.seconds)} files/s`;
  row(
    `cp ${FILES} x 4 KiB, local disk (cp -r)`,
    await measure("cp", ["-r", small, join(dir, "small-copy")]),
    "",
  );
  const up = await isa("cp", "-r", small, "isa://data/small", "--quiet", "-j", "8");
  row(`isa cp -r ${FILES} x 4 KiB up`, up, files(up));
  const mirrorNew = await isa("mirror", small, "isa://data/mirror", "--quiet", "-j", "8");
  row(`isa mirror ${FILES} x 4 KiB up (all new)`, mirrorNew, files(mirrorNew));
  const mirrorSame = await isa("mirror", small, "isa://data/mirror", "--quiet");
  row(`isa mirror ${FILES} x 4 KiB (nothing changed)`, mirrorSame, files(mirrorSame));
  const down = await isa(
    "cp",
    "-r",
    "isa://data/small",
    join(dir, "small-down"),
    "--quiet",
    "-j",
    "8",
  );
  row(`isa cp -r ${FILES} x 4 KiB down`, down, files(down));

  const big = join(dir, "big.bin");
  await measure("dd", ["if=/dev/urandom", `of=${big}`, "bs=1M", `count=${MIB}`, "status=none"]);
  const mbs = (r) => `${(MIB / r.seconds).toFixed(0)} MiB/s`;
  const local = await measure("cp", [big, join(dir, "big-copy.bin")]);
  row(`cp ${MIB} MiB, local disk`, local, mbs(local));
  await rm(join(dir, "big-copy.bin"));
  const bigUp = await isa("cp", big, "isa://data/big.bin", "--quiet");
  row(`isa cp ${MIB} MiB up (multipart)`, bigUp, mbs(bigUp));
  await rm(big);
  const bigDown = await isa("cp", "isa://data/big.bin", big, "--quiet");
  row(`isa cp ${MIB} MiB down`, bigDown, mbs(bigDown));
} finally {
  stack.kill("SIGINT");
  await new Promise((resolve) => stack.once("exit", resolve));
  await rm(dir, { recursive: true, force: true });
}
