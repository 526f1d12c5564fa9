import type { Identity } from "@isa-cloud/rpc/wire";
import { ServerError, Status } from "nice-grpc";

/**
 * The user a request acts for: its `user_id` when that equals the caller's, the caller's
 * when the request leaves it empty. Any other user id is PERMISSION_DENIED: a token never
 * reaches another user's data, whatever the request says.
 */
export function resolveUserId(identity: Identity, requestedUserId: string | undefined): string {
  if (!identity.userId) {
    throw new ServerError(Status.UNAUTHENTICATED, "the call carries no identity; send a token");
  }
  if (requestedUserId === undefined || requestedUserId === "") return identity.userId;
  if (requestedUserId !== identity.userId) {
    throw new ServerError(
      Status.PERMISSION_DENIED,
      `user_id "${requestedUserId}" does not match the token's subject "${identity.userId}"; ` +
        "leave user_id empty or send a token for that user",
    );
  }
  return requestedUserId;
}

/**
 * Checks that the caller belongs to the organization a request names (the token's `org`
 * claim). An empty `orgId` means the request names none and passes.
 */
export function assertOrgMember(identity: Identity, orgId: string): void {
  if (!orgId) return;
  if (identity.orgId !== orgId) {
    const has = identity.orgId
      ? `is for organization "${identity.orgId}"`
      : "names no organization";
    throw new ServerError(
      Status.PERMISSION_DENIED,
      `not a member of organization "${orgId}": the token ${has}`,
    );
  }
}
