import { isIP } from "node:net";

/** "host:port", with brackets around an IPv6 literal ("::1" -> "[::1]:port"). */
export function formatHostPort(host: string, port: number): string {
  const bare = unbracket(host);
  return bare.includes(":") ? `[${bare}]:${port}` : `${bare}:${port}`;
}

/**
 * Where a client on this machine reaches a server bound to `host`: a wildcard bind
 * ("0.0.0.0", "::") accepts on loopback, anything else is reached where it is bound.
 */
export function connectableHost(host: string): string {
  const bare = unbracket(host);
  return bare === "" || bare === "0.0.0.0" || bare === "::" ? "127.0.0.1" : bare;
}

/** Whether `host` only accepts connections from this machine (localhost, 127/8, ::1). */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host).toLowerCase();
  if (bare === "localhost") return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  if (isIP(bare) === 6) {
    if (bare === "::1" || bare === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
    return mapped !== null && mapped[1]!.startsWith("127.");
  }
  return false;
}

function unbracket(host: string): string {
  return host.replace(/^\[(.*)\]$/, "$1");
}
