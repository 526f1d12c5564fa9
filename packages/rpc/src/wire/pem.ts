import { readFileSync } from "node:fs";
import { ConfigError } from "./env.js";

type Env = Record<string, string | undefined>;

/**
 * A PEM setting (certificate, key or CA bundle) from the environment: either the PEM
 * itself (a value starting with `-----BEGIN`, as a Kubernetes secret mounted as a
 * variable gives it) or the path of a file holding it. Unset or empty: undefined. A file
 * that cannot be read, or that holds no PEM block, throws a ConfigError naming the variable.
 */
export function readPem(env: Env, name: string): Buffer | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (value.startsWith("-----BEGIN")) return Buffer.from(value.replaceAll("\\n", "\n"));
  let text: Buffer;
  try {
    text = readFileSync(value);
  } catch (err) {
    throw new ConfigError(
      name,
      `${name} must be a PEM file or PEM text; cannot read "${value}": ${(err as Error).message}`,
    );
  }
  if (!text.includes("-----BEGIN")) {
    throw new ConfigError(name, `${name} names "${value}", which holds no PEM block`);
  }
  return text;
}
