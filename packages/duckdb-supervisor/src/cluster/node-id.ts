import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { formatHostPort } from "@isa-cloud/rpc/wire";

/**
 * This node's id: `configured` (ISA_NODE_ID), else `<hostname>-<8 hex>` made once and kept
 * in `<cacheDir>/node-id`. Kept rather than derived from host and port so that a node
 * restarted on the same cache directory is the same node (it recognises its own storage
 * heartbeat) while two nodes on one host with different directories never collide, even
 * when both listen on an ephemeral port.
 */
export async function resolveNodeId(cacheDir: string, configured?: string): Promise<string> {
  if (configured) return configured;
  const file = join(cacheDir, "node-id");
  try {
    const kept = (await readFile(file, "utf8")).trim();
    if (kept) return kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .slice(0, 100) || "node";
  const id = `${host}-${randomBytes(4).toString("hex")}`;
  await mkdir(cacheDir, { recursive: true });
  await writeFile(file, `${id}\n`);
  return id;
}

/**
 * Where other nodes reach this one: `configured` (DUCKDB_ADVERTISE_ADDRESS), else the
 * listen address with the bound port; a wildcard interface is replaced by the hostname.
 */
export function advertisedAddress(host: string, port: number, configured?: string): string {
  if (configured) return configured;
  const wildcard = host === "0.0.0.0" || host === "::" || host === "[::]" || host === "";
  return formatHostPort(wildcard ? hostname() : host, port);
}
