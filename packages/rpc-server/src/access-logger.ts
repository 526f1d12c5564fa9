import { type DestinationStream, type Logger, pino } from "pino";
import type { AccessLogTarget } from "./observability-config.js";

/** One destination per file for the whole process: services started together share it. */
const files = new Map<string, DestinationStream & { flushSync(): void }>();

function fileDestination(path: string): DestinationStream {
  let destination = files.get(path);
  if (!destination) {
    // Asynchronous writes: a call never waits for the disk, and lines that arrive while a
    // write is in progress go out together in the next one. What is still buffered is
    // flushed when the process exits.
    const created = pino.destination({ dest: path, mkdir: true, sync: false });
    files.set(path, created);
    process.once("exit", () => {
      try {
        created.flushSync();
      } catch {
        // Not open yet, or already closed: nothing buffered.
      }
    });
    destination = created;
  }
  return destination;
}

/**
 * The logger of access-log lines (level info, whatever `LOG_LEVEL` says: they are turned
 * on and off by their own setting), or undefined for `"off"`. `name` names the service on
 * every line; `{ stream }` writes to a stream of your own (tests read the lines back).
 */
export function createAccessLogger(
  name: string,
  target: AccessLogTarget | { stream: DestinationStream },
): Logger | undefined {
  if (target === "off") return undefined;
  const options = { name, level: "info", base: { kind: "access" } } as const;
  if (target === "stdout") return pino(options);
  if ("stream" in target) return pino(options, target.stream);
  return pino(options, fileDestination(target.file));
}

/** Flushes the buffered lines of every access-log file (before a test reads one). */
export function flushAccessLogs(): void {
  for (const destination of files.values()) {
    try {
      destination.flushSync();
    } catch {
      // Not open yet: nothing buffered.
    }
  }
}
