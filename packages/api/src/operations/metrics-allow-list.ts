import { BlockList, isIPv4, isIPv6 } from "node:net";
import { ConfigError } from "@isa-cloud/rpc/wire";

/** Names usable in `API_METRICS_ALLOW` for the usual internal ranges. */
const NAMED: Record<string, string[]> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  private: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"],
  any: ["0.0.0.0/0", "::/0"],
};

/** The default allow-list of `/metrics`: loopback and the private ranges. */
export const DEFAULT_METRICS_ALLOW = ["loopback", "private"];

/**
 * Who may scrape the API's `/metrics`: a list of IPv4/IPv6 addresses, CIDR ranges, and the
 * names `loopback`, `private` (RFC 1918 and IPv6 ULA/link-local) and `any`. An
 * IPv4-mapped IPv6 peer (`::ffff:10.0.0.5`) is checked as its IPv4 address. Throws a
 * ConfigError naming `variable` for an entry that is none of these.
 */
export function parseAllowList(
  entries: readonly string[],
  variable = "API_METRICS_ALLOW",
): (ip: string) => boolean {
  const list = new BlockList();
  for (const raw of entries.flatMap((entry) => NAMED[entry.trim().toLowerCase()] ?? [entry])) {
    const entry = raw.trim();
    if (entry === "") continue;
    const [address, bits] = entry.split("/");
    const family = isIPv4(address ?? "") ? "ipv4" : isIPv6(address ?? "") ? "ipv6" : undefined;
    const max = family === "ipv4" ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new ConfigError(
        variable,
        `${variable} takes addresses, CIDR ranges (10.0.0.0/8) and loopback, private or any, comma-separated; got "${entry}"`,
      );
    }
    list.addSubnet(address!, prefix, family);
  }
  return (ip) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    if (mapped) return list.check(mapped, "ipv4");
    if (isIPv4(ip)) return list.check(ip, "ipv4");
    return isIPv6(ip) && list.check(ip, "ipv6");
  };
}
