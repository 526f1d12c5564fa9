import cliProgress from "cli-progress";
import type { CliIo } from "./context.js";

export interface ProgressOptions {
  quiet?: boolean;
  /** false with --no-progress. */
  progress?: boolean;
}

/** Progress of one or many transfers: bytes and, for many, files done. */
export interface ProgressReporter {
  /** Adds to the totals as work is discovered (a listing is walked while copying). */
  grow(bytes: number, files?: number): void;
  /** Bytes moved since the last call. */
  advance(bytes: number): void;
  fileDone(): void;
  stop(): void;
}

const NONE: ProgressReporter = { grow() {}, advance() {}, fileDone() {}, stop() {} };

/** Bars hiding the cursor right now; bin.ts shows it again on whatever exit path. */
const active = new Set<cliProgress.SingleBar>();

/** Shows the cursor again if a bar still hides it (exit without a finally, e.g. a second Ctrl-C). */
export function restoreTerminal(stream: NodeJS.WritableStream = process.stderr): void {
  for (const bar of active) bar.stop();
  if (active.size > 0) stream.write("\x1b[?25h");
  active.clear();
}

/**
 * One bar on stderr with bytes, speed and ETA (and files when `files` is set); stdout
 * stays clean for pipes. Off when stderr is not a terminal (logs, CI), with --quiet or
 * --no-progress.
 */
export function progressBar(
  io: CliIo,
  label: string,
  flags: ProgressOptions,
  options: { files?: boolean } = {},
): ProgressReporter {
  const stream = io.stderr as NodeJS.WriteStream;
  if (!stream.isTTY || flags.quiet || flags.progress === false) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | ${options.files ? "{filesDone}/{files} files | " : ""}{done} of {size} | {speed} | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let bytes = 0;
  let total = 0;
  let files = 0;
  let filesDone = 0;
  let running = false;
  const payload = () => ({
    done: formatBytes(bytes),
    size: formatBytes(total),
    speed: `${formatBytes(bytes / Math.max((Date.now() - started) / 1000, 0.001))}/s`,
    files,
    filesDone,
  });
  const render = () => {
    if (!running) {
      bar.start(Math.max(total, 1), bytes, payload());
      active.add(bar);
      running = true;
    }
    bar.setTotal(Math.max(total, 1));
    bar.update(bytes, payload());
  };
  return {
    grow(moreBytes, moreFiles = 0) {
      total += moreBytes;
      files += moreFiles;
      render();
    },
    advance(moreBytes) {
      bytes += moreBytes;
      render();
    },
    fileDone() {
      filesDone += 1;
      render();
    },
    stop() {
      if (!running) return;
      running = false;
      bar.stop();
      active.delete(bar);
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}
