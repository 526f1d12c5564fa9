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
