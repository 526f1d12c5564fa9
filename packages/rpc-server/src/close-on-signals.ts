/** What `closeOnSignals` closes: any started service or server. */
export interface Closable {
  close(): Promise<void>;
}

export interface CloseOnSignalsOptions {
  /** Called once, with the first SIGTERM or SIGINT, before closing. Default: nothing. */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** Called when closing (or the start it waits for) fails, before exit code 1. */
  onError: (err: unknown) => void;
}

/**
 * A bin's shutdown: on the first SIGTERM or SIGINT, wait for `started`, close it, and exit
 * 0 (or 1 after `onError`); later signals are ignored while it drains. Call it before
 * `started` settles: whoever waits for the "listening" line may signal at once, and a
 * signal during start-up must still stop the service cleanly.
 */
export function closeOnSignals(started: Promise<Closable>, options: CloseOnSignalsOptions): void {
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      options.onSignal?.(signal);
      started
        .then((service) => service.close())
        .then(
          () => process.exit(0),
          (err: unknown) => {
            options.onError(err);
            process.exit(1);
          },
        );
    });
  }
}
