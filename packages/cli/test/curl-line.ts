import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

/** `isa <args>` as a child process, its output collected as it comes. */
export function spawnIsa(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return {
    child,
    output: () => output,
    exited,
    /** Resolves once the output contains `text`; rejects if the process exits first. */
    async waitFor(text: string, timeoutMs = 60_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (child.exitCode !== null) {
          throw new Error(
            `isa ${args.join(" ")} exited (${child.exitCode}) before "${text}":\n${output}`,
          );
        }
        if (Date.now() > deadline)
          throw new Error(`no "${text}" from isa ${args.join(" ")}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return output;
    },
    /** Ctrl-C, and the exit code. */
    async interrupt(): Promise<number | null> {
      if (child.exitCode === null) child.kill("SIGINT");
      return exited;
    },
  };
}

/** Splits a shell command line of plain words and single-quoted strings (what curlExample prints). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? match[2] ?? "");
  return words;
}

/** The request a `curl -s -X METHOD 'url' -H '...' -d '...'` line describes, for fetch. */
export function curlToRequest(line: string): { url: string; init: RequestInit } {
  const words = shellWords(line.trim());
  if (words[0] !== "curl") throw new Error(`not a curl line: ${line}`);
  const headers: Record<string, string> = {};
  let method = "GET";
  let body: string | undefined;
  let url = "";
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === "-s") continue;
    if (word === "-X") method = words[++i]!;
    else if (word === "-H") {
      const header = words[++i]!;
      const colon = header.indexOf(":");
      headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    } else if (word === "-d") {
      body = words[++i]!;
      if (method === "GET") method = "POST";
    } else url = word;
  }
  return { url, init: { method, headers, ...(body === undefined ? {} : { body }) } };
}
