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
