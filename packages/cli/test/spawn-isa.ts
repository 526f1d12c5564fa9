import { fileURLToPath } from "node:url";
import {
  type SpawnNodeOptions,
  type SpawnPtyOptions,
  spawnNode,
  spawnPty,
  type TestChild,
} from "@isa-cloud/testing";

/** The built bin, as npm installs it: the CommonJS launcher. */
export const ISA_BIN = fileURLToPath(new URL("../dist/launcher.cjs", import.meta.url));

/** `isa <args>` as a child process (the built bin), stopped by `stopChildren`. */
export function spawnIsa(args: string[], options: SpawnNodeOptions): TestChild {
  return spawnNode(ISA_BIN, args, options);
}

/** `isa <args>` in a pseudo-terminal, for what only a terminal shows (prompts, bars, Ctrl-C). */
export function spawnIsaPty(args: string[], options: SpawnPtyOptions): TestChild {
  return spawnPty(ISA_BIN, args, options);
}
