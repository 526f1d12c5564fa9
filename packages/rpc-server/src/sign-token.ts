import { SignJWT } from "jose";

export interface SignTokenOptions {
  /** HS256 secret; the server must be configured with the same one. */
  secret: string;
  /** User id (`sub`). */
  sub: string;
  /** Organization id (`org`). */
  org?: string;
  /** Marks a service-to-service token (`isa_system: true`). Default false. */
  system?: boolean;
  /** Lifetime in jose's notation ("15m", "1h", "7d"). Default "1h". */
  expiresIn?: string;
  /** `iss` claim, for servers that check it. */
  issuer?: string;
  /** `aud` claim, for servers that check it. */
  audience?: string;
}

/** Mints an HS256 token: for dev tokens, service-to-service tokens and tests. */
export async function signToken(opts: SignTokenOptions): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (opts.org) claims.org = opts.org;
  if (opts.system) claims.isa_system = true;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(opts.sub)
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? "1h");
  if (opts.issuer) jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(opts.secret));
}
