import { createWriteStream } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { stateDir } from "../config/config-file.js";
import type { CliIo } from "../context.js";
import { createSink, OUTPUT_FORMATS, type OutputFormat } from "../output/writers.js";
import type { Session } from "../session.js";
import { runQuery } from "./run-query.js";
import { splitStatements } from "./statements.js";

const HISTORY_LINES = 1000;
const HELP = `.tables             list your tables
.schema [TABLE]     columns of every table, or of one
.mode MODE          ${OUTPUT_FORMATS.join(", ")}
.maxrows N          rows a table shows (default 1000; other modes show all)
.timer on|off       print how long each statement took
.output [FILE]      send results to FILE (appending), or back to the screen
.help               this text
.quit               leave (or Ctrl-D); Ctrl-C cancels the running statement
`;

/**
 * The interactive SQL shell (`isa sql`), in the manner of the duckdb shell. Statements
 * end with ";" and may span lines; lines starting with "." are commands. Ctrl-C cancels
 * the running statement on the server and keeps the shell; with nothing running it
 * clears the line. History is kept in $XDG_STATE_HOME/isa/history.
 * Returns 0, or 1 when a statement failed and input was not a terminal (a script).
 */
export async function runShell(io: CliIo, session: Session): Promise<number> {
  const input = io.stdin ?? process.stdin;
  const terminal = Boolean(input.isTTY);
  const historyFile = join(stateDir(io), "history");
  const history = terminal ? await readHistory(historyFile) : [];
  const rl = createInterface({
    input,
    output: io.stdout,
    terminal,
    history,
    historySize: HISTORY_LINES,
    removeHistoryDuplicates: true,
  });
  let mode: OutputFormat = "table";
  let maxRows = 1000;
  let timer = false;
  let out: NodeJS.WritableStream = io.stdout;
  let buffer = "";
  let running: AbortController | undefined;
  let failed = false;

  const prompt = () => {
    if (!terminal) return;
    rl.setPrompt(buffer.trim() ? "   ...> " : "isa> ");
    rl.prompt();
  };
  rl.on("SIGINT", () => {
    if (running) {
      running.abort(new Error("cancelled"));
      return;
    }
    io.stdout.write(buffer || rl.line ? "^C\n" : "^C (.quit or Ctrl-D to leave)\n");
    buffer = "";
    (rl as Interface & { line: string }).line = "";
    prompt();
  });
  const onAbort = () => {
    running?.abort(new Error("cancelled"));
    rl.close();
  };
  io.signal?.addEventListener("abort", onAbort, { once: true });

  const error = (err: unknown) => {
    failed = true;
    const e = err as { details?: string; message?: string };
    io.stderr.write(`Error: ${e.details ?? e.message ?? String(err)}\n`);
  };

  const runStatement = async (sql: string) => {
    running = new AbortController();
    const toScreen = out === io.stdout && Boolean((io.stdout as { isTTY?: boolean }).isTTY);
    const width = toScreen ? (io.stdout as { columns?: number }).columns || 80 : undefined;
    const sink = createSink(mode, out, width === undefined ? {} : { width });
    try {
      const result = await runQuery(session, sql, {}, sink, {
        ...(mode === "table" ? { maxRows } : {}),
        signal: running.signal,
      });
      if (result.truncated)
        io.stderr.write(
          `(first ${maxRows} rows shown: .maxrows N, or .mode csv with .output FILE for all)\n`,
        );
      if (timer)
        io.stderr.write(`Run Time: ${(result.ms / 1000).toFixed(3)} s, ${result.rowCount} rows\n`);
    } catch (err) {
      if (running.signal.aborted) io.stderr.write("cancelled (the server stopped the statement)\n");
      else error(err);
    } finally {
      running = undefined;
    }
  };

  const dotCommand = async (line: string): Promise<boolean> => {
    const [command, ...args] = line.trim().split(/\s+/);
    const arg = args.join(" ");
    switch (command) {
      case ".quit":
      case ".exit":
        return false;
      case ".help":
        io.stdout.write(HELP);
        break;
      case ".tables":
        await runStatement(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1",
        );
        break;
      case ".schema":
        await runStatement(
          `SELECT table_name AS "table", column_name AS "column", data_type AS "type", is_nullable AS "null" FROM information_schema.columns WHERE table_schema = 'main'${arg ? ` AND table_name = '${arg.replaceAll("'", "''")}'` : ""} ORDER BY table_name, ordinal_position`,
        );
        break;
      case ".mode":
        if ((OUTPUT_FORMATS as readonly string[]).includes(arg)) mode = arg as OutputFormat;
        else error(new Error(`.mode takes one of ${OUTPUT_FORMATS.join(", ")}`));
        break;
      case ".maxrows":
        if (/^[1-9]\d*$/.test(arg)) maxRows = Number(arg);
        else error(new Error(".maxrows takes a positive whole number"));
        break;
      case ".timer":
        if (arg === "on" || arg === "off") timer = arg === "on";
        else error(new Error(".timer takes on or off"));
        break;
      case ".output":
        if (out !== io.stdout) out.end();
        out = arg ? createWriteStream(resolve(io.cwd, arg), { flags: "a" }) : io.stdout;
        if (arg) out.on("error", (err) => error(err));
        break;
      default:
        error(new Error(`unknown command ${command}: .help lists them`));
    }
    return true;
  };

  prompt();
  try {
    for await (const line of rl) {
      if (terminal && line.trim()) await appendFile(historyFile, `${line}\n`).catch(() => {});
      if (!buffer.trim() && line.trim().startsWith(".")) {
        if (!(await dotCommand(line))) break;
        prompt();
        continue;
      }
      const { complete, rest } = splitStatements(`${buffer}${line}\n`);
      buffer = rest.trim() ? rest : "";
      for (const statement of complete) await runStatement(statement);
      prompt();
    }
    if (buffer.trim()) await runStatement(buffer); // a last statement without ";"
  } finally {
    io.signal?.removeEventListener("abort", onAbort);
    rl.close();
    if (out !== io.stdout) out.end();
  }
  return failed && !terminal ? 1 : 0;
}

/** The last lines of the history file, newest first (readline's order); trims the file when long. */
async function readHistory(file: string): Promise<string[]> {
  await mkdir(dirname(file), { recursive: true }).catch(() => {});
  const lines = (await readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean);
  const kept = lines.slice(-HISTORY_LINES);
  // Lines are appended as they are typed (a crash keeps them); keep the file bounded.
  if (lines.length > 2 * HISTORY_LINES)
    await writeFile(file, `${kept.join("\n")}\n`).catch(() => {});
  return kept.reverse();
}
