import { randomBytes } from "node:crypto";
import { signToken } from "@isa-cloud/rpc-server";

export interface TokenOptions {
  /** Organization id (`org`). Default none. */
  org?: string;
  /** Lifetime in jose's notation; a negative one ("-1m") makes an expired token. Default "1h". */
  expiresIn?: string;
  /** A service-to-service token (`isa_system: true`). Default false. */
  system?: boolean;
}

/** A fresh HS256 secret: 32 random bytes, hex, as `isa start` makes. */
export function randomSecret(): string {
  return randomBytes(32).toString("hex");
}

/** Signs tokens for any user with `secret`: `await sign("alice", { org: "acme" })`. */
export function tokenSigner(secret: string) {
  return (sub: string, options: TokenOptions = {}): Promise<string> =>
    signToken({ secret, sub, ...options });
}

/** The `Authorization` header of a bearer token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
