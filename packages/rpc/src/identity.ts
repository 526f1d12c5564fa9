/** Who is calling, as established by the auth middleware from the bearer token. */
export interface Identity {
  /** The token's `sub`: the user id every request's `user_id` is checked against. */
  userId: string;
  /** The token's `org` claim, when the user acts for an organization. */
  orgId?: string;
  /** `isa_system: true`: a service-to-service token that may reach the system namespace. */
  system: boolean;
  /** The verified token itself, so a service can forward it downstream. */
  token?: string;
}

/** How tokens are verified. Every field is optional; see `authConfigFromEnv` for the env names. */
export interface AuthConfig {
  /** HS256 shared secret (`ISA_JWT_SECRET`). Used for HS256/384/512 tokens. */
  hs256Secret?: string;
  /** SPKI PEM public key (`ISA_JWT_PUBLIC_KEY`) for RS*, PS*, ES* and EdDSA tokens. */
  publicKeyPem?: string;
  /** JWKS endpoint (`ISA_JWKS_URL`) for asymmetric tokens; keys are fetched and cached by jose. */
  jwksUrl?: string;
  /** Required `iss` claim (`ISA_JWT_ISSUER`); unchecked when unset. */
  issuer?: string;
  /** Required `aud` claim (`ISA_JWT_AUDIENCE`); unchecked when unset. */
  audience?: string;
  /**
   * Legacy mode (`ISA_TRUST_USER_ID=true`): calls without a token are accepted and the
   * identity is taken from the request's `user_id`. A token, when sent, is still verified.
   * Default false.
   */
  trustUserId?: boolean;
}
