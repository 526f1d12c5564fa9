// Started by launcher.cjs, which sizes libuv's thread pool first (see there).
import { INTERRUPTED, run } from "./program.js";
import { restoreTerminal } from "./progress.js";

const controller = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (controller.signal.aborted) {
    // A second Ctrl-C: leave now, but never with the cursor hidden.
    restoreTerminal();
    process.exit(INTERRUPTED);
  }
  // The first one aborts the command, which stops its transfers, removes its temporary
  // files, stops its progress bar and returns 130.
  controller.abort(new Error(signal));
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
// The reader of a pipe went away (`isa query ... | head`): there is nobody to write for.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code !== "EPIPE") throw err;
  restoreTerminal();
  process.exit(0);
});
process.on("exit", () => restoreTerminal());

const { processIo } = await import("./context.js");
const code = await run(process.argv.slice(2), processIo(controller.signal));
restoreTerminal();
// Exit explicitly (keep-alive sockets of fetch must not hold a finished command open),
// but only once stdout and stderr have handed everything to the OS: into a pipe, writes
// are asynchronous, and exiting earlier cut output at the pipe's 64 KiB.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    // The callback of an empty write runs once everything written before it is flushed.
    else stream.write("", () => resolve());
  });
}
