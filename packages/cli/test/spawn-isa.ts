import { fileURLToPath } from "node:url";
import { type SpawnNodeOptions, spawnNode, type TestChild } from "@isa-cloud/testing";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

/** `isa <args>` as a child process (the built bin), stopped by `stopChildren`. */
export function spawnIsa(args: string[], options: SpawnNodeOptions): TestChild {
  return spawnNode(bin, args, options);
}
