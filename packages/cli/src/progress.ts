import cliProgress from "cli-progress";

export interface ProgressReporter {
  update(progress: { bytes: number; total?: number }): void;
  stop(): void;
}

/**
 * A transfer progress bar on stderr (stdout stays clean for piping). Off when
 * stderr is not a terminal, where a bar would only be noise in logs.
 */
export function transferProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {done} of {size}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update({ bytes, total }) {
      const size = total ?? bytes;
      if (!started) {
        bar.start(size, 0, { done: formatBytes(0), size: formatBytes(size) });
        started = true;
      }
      bar.setTotal(size);
      bar.update(bytes, { done: formatBytes(bytes), size: formatBytes(size) });
    },
    stop() {
      if (started) bar.stop();
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
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
