import type { CliIo } from "../context.js";
import { type Profile, updateProfile } from "./config-file.js";
import { LOCAL_PROFILE } from "./settings.js";

/** "0.0.0.0:50051" is where a server listens, not where a client goes: the loopback is. */
function reachable(address: string): string {
  return address.replace(/^0\.0\.0\.0:/, "127.0.0.1:").replace(/^\[::\]:/, "[::1]:");
}

/**
 * Records the stack `isa start` brought up as the profile `local` (its real ports, and the
 * data directory whose secret mints dev tokens), so that later commands go where it
 * listens. Best effort: a machine without a config directory still gets its stack, with
 * a note. Returns the line to print.
 */
export async function writeLocalProfile(
  io: CliIo,
  started: { storage?: string; analytics?: string; api?: string; dataDir: string },
): Promise<string> {
  const changes: Partial<Record<keyof Profile, string>> = { dataDir: started.dataDir };
  if (started.storage) changes.storage = reachable(started.storage);
  if (started.analytics) changes.analytics = reachable(started.analytics);
  if (started.api) changes.api = started.api.replace("//0.0.0.0:", "//127.0.0.1:");
  try {
    const path = await updateProfile(io, LOCAL_PROFILE, changes);
    return `Profile "${LOCAL_PROFILE}" in ${path} points at this stack: isa ls, isa sql, isa query ... use it.`;
  } catch (err) {
    return `(could not save the "${LOCAL_PROFILE}" profile: ${(err as Error).message}; client commands then need the endpoints as flags)`;
  }
}
