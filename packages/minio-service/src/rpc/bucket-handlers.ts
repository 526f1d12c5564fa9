import { ServerError, Status } from "nice-grpc";
import { callerOf, requestedTenant, resolveBucket } from "../access.js";
import type { BucketMeta } from "../backend/backend.js";
import { invalidArgument, parseBucketRef, validateTags } from "../validation.js";
import { bucketInfo, policyDocument, policyName, policyType } from "./convert.js";
import type { Impl, ServiceDeps } from "./deps.js";

const DEFAULT_REGION = "us-east-1";
/** S3 caps bucket policy documents at 20 KB. */
const MAX_POLICY_BYTES = 20 * 1024;

type BucketMethods = Pick<
  Impl,
  | "createBucket"
  | "listBuckets"
  | "deleteBucket"
  | "getBucketInfo"
  | "setBucketPolicy"
  | "getBucketPolicy"
>;

export function bucketHandlers({ backend }: ServiceDeps): BucketMethods {
  return {
    async createBucket(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      const ref = parseBucketRef(req.bucketName);
      if (ref.kind !== "own") {
        throw invalidArgument(
          "create a bucket by its plain name; set organization_id to create it for an organization",
        );
      }
      if (req.objectLocking)
        throw invalidArgument("object_locking is not supported by this service");
      validateTags(req.tags);
      const tenant = requestedTenant(caller, req.organizationId);
      const meta: BucketMeta = {
        name: ref.bucket,
        tenant,
        ownerId: caller.userId,
        organizationId: tenant.kind === "org" ? tenant.id : "",
        region: req.region || DEFAULT_REGION,
        tags: req.tags,
        createdAt: new Date().toISOString(),
        policy: { type: "private", custom: "" },
      };
      await backend.createBucket({ tenant, bucket: ref.bucket }, meta);
      return {
        success: true,
        message: `bucket ${JSON.stringify(ref.bucket)} created`,
        bucketInfo: bucketInfo(meta),
        error: "",
      };
    },

    async listBuckets(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      const tenant = requestedTenant(caller, req.organizationId);
      const metas = (await backend.listBuckets(tenant)).filter((meta) =>
        meta.name.startsWith(req.prefix),
      );
      return {
        success: true,
        buckets: metas.map((meta) => bucketInfo(meta)),
        totalCount: metas.length,
        error: "",
      };
    },

    async deleteBucket(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      const { loc } = await resolveBucket(backend, caller, req.bucketName, "owner");
      const deleted = await backend.deleteBucket(loc, req.force);
      return {
        success: true,
        message: `bucket ${JSON.stringify(req.bucketName)} deleted`,
        deletedObjects: deleted,
        error: "",
      };
    },

    async getBucketInfo(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      const { loc, meta } = await resolveBucket(backend, caller, req.bucketName, "read");
      const usage = await backend.bucketUsage(loc);
      return { success: true, bucketInfo: bucketInfo(meta, usage), error: "" };
    },

    async setBucketPolicy(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      const name = policyName(req.policyType);
      if (!name) throw invalidArgument(`policy_type ${req.policyType} is not a known policy`);
      if (name === "custom") {
        const custom = req.customPolicy;
        if (Buffer.byteLength(custom, "utf8") > MAX_POLICY_BYTES) {
          throw invalidArgument(`custom_policy takes more than ${MAX_POLICY_BYTES} bytes`);
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(custom);
        } catch {
          parsed = undefined;
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
          throw invalidArgument("custom_policy must be a JSON object (an S3 policy document)");
        }
        // Storing a document that is then enforced as private would tell the owner a grant
        // (or a Deny) is in force when it is not, so custom policies are refused until the
        // service evaluates them.
        throw new ServerError(
          Status.FAILED_PRECONDITION,
          "custom bucket policies are not supported by this service: use a canned policy " +
            "(BUCKET_POLICY_TYPE_PRIVATE, BUCKET_POLICY_TYPE_PUBLIC_READ or BUCKET_POLICY_TYPE_PUBLIC_READ_WRITE)",
        );
      } else if (req.customPolicy) {
        throw invalidArgument(
          "custom_policy is only used with BUCKET_POLICY_TYPE_CUSTOM; leave it empty",
        );
      }
      const { loc, meta } = await resolveBucket(backend, caller, req.bucketName, "owner");
      await backend.updateBucket(loc, { ...meta, policy: { type: name, custom: "" } });
      return {
        success: true,
        message: `policy of ${JSON.stringify(req.bucketName)} is now ${name}`,
        error: "",
      };
    },

    async getBucketPolicy(req, ctx) {
      const caller = callerOf(ctx.identity, req.userId);
      const { meta } = await resolveBucket(backend, caller, req.bucketName, "read");
      return {
        success: true,
        policyType: policyType(meta.policy.type),
        policyJson: policyDocument(meta.name, meta.policy.type, meta.policy.custom),
        error: "",
      };
    },
  };
}
