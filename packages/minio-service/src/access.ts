import type { Identity } from "@isa-cloud/rpc/wire";
import { assertOrgMember, resolveUserId } from "@isa-cloud/rpc-server";
import { ServerError, Status } from "nice-grpc";
import type { BucketMeta, StorageBackend } from "./backend/backend.js";
import type { BucketLocation, Tenant } from "./tenant.js";
import { type BucketRef, parseBucketRef, validateTenantId } from "./validation.js";

/** The caller of one request: its verified identity and the user it acts for. */
export interface Caller {
  identity: Identity;
  userId: string;
}

/** What a request does with a bucket it names. */
export type Access = "read" | "write" | "owner";

export interface ResolvedBucket {
  loc: BucketLocation;
  meta: BucketMeta;
}

export function callerOf(identity: Identity | undefined, requestedUserId: string): Caller {
  if (!identity) {
    throw new ServerError(
      Status.UNAUTHENTICATED,
      "missing token: send metadata `authorization: Bearer <JWT>`",
    );
  }
  // Before resolveUserId, whose refusal quotes the id back.
  validateTenantId(requestedUserId, "user_id");
  const userId = resolveUserId(identity, requestedUserId);
  validateTenantId(userId, "the user id of the token (sub)");
  return { identity, userId };
}

/** Where the caller's own new buckets go (without an organization). */
function ownTenant(caller: Caller): Tenant {
  return caller.identity.system ? { kind: "system" } : { kind: "user", id: caller.userId };
}

/**
 * Where CreateBucket and ListBuckets work: the organization the request names (the caller
 * must be a member; system tokens stay in the system namespace), else the caller's own.
 */
export function requestedTenant(caller: Caller, organizationId: string): Tenant {
  // Before assertOrgMember, whose refusal quotes the id back.
  validateTenantId(organizationId, "organization_id");
  if (!organizationId || caller.identity.system) return ownTenant(caller);
  assertOrgMember(caller.identity, organizationId);
  return { kind: "org", id: organizationId };
}

/** Owners do everything: the user, the organization's members, and system tokens anywhere. */
export function owns(caller: Caller, tenant: Tenant): boolean {
  if (caller.identity.system) return true;
  if (tenant.kind === "user") return tenant.id === caller.userId;
  if (tenant.kind === "org") return caller.identity.orgId === tenant.id;
  return false;
}

/**
 * The bucket a request's `bucket_name` names, if the caller may use it as `access` says.
 * A plain name is always the caller's own bucket: never an organization's, so another
 * member cannot pre-create an org bucket that a user's own name would silently land in.
 * Other tenants' buckets (the caller's organization's too) take the qualified form
 * (`u:<id>/<name>`, `o:<id>/<name>`), governed by ownership or the bucket's policy.
 *
 * A request that names two buckets passes both already parsed, so that both are checked
 * before either is looked up.
 */
export async function resolveBucket(
  backend: StorageBackend,
  caller: Caller,
  reference: string | BucketRef,
  access: Access,
): Promise<ResolvedBucket> {
  const parsed = typeof reference === "string" ? parseBucketRef(reference) : reference;
  const ref = parsed.text;
  if (parsed.kind === "own") {
    const loc = { tenant: ownTenant(caller), bucket: parsed.bucket };
    const meta = await backend.getBucket(loc);
    if (meta) return { loc, meta };
    const orgHint =
      caller.identity.orgId && !caller.identity.system
        ? `; your organization's bucket is named o:${caller.identity.orgId}/${parsed.bucket}`
        : "";
    throw new ServerError(
      Status.NOT_FOUND,
      `bucket ${JSON.stringify(ref)} does not exist; create it first (another user's bucket is named u:<user id>/${parsed.bucket}${orgHint})`,
    );
  }
  const loc = { tenant: parsed.tenant, bucket: parsed.bucket };
  const meta = await backend.getBucket(loc);
  if (!meta)
    throw new ServerError(Status.NOT_FOUND, `bucket ${JSON.stringify(ref)} does not exist`);
  if (!owns(caller, loc.tenant)) checkPolicy(meta, access, ref);
  return { loc, meta };
}

function checkPolicy(meta: BucketMeta, access: Access, ref: string): void {
  const policy = meta.policy.type;
  if (access === "read" && (policy === "public-read" || policy === "public-read-write")) return;
  if (access === "write" && policy === "public-read-write") return;
  const what =
    access === "owner"
      ? "only its owner may manage it"
      : `its ${policy} policy does not let others ${access === "read" ? "read" : "write"}`;
  throw new ServerError(
    Status.PERMISSION_DENIED,
    `bucket ${JSON.stringify(ref)} belongs to another tenant and ${what}; ask its owner to share it`,
  );
}
