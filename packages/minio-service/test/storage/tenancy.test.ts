import { Status } from "nice-grpc";
import { beforeAll, describe, expect, it } from "vitest";
import {
  allKeys,
  createBucket,
  expectStatus,
  getObject,
  putObject,
  putRequests,
} from "../harness.js";
import { callsOnBucket } from "./bucket-calls.js";
import { alice, bob, describeEachBackend, h } from "./each-backend.js";

// Tenancy: tokens, users, organizations and the system namespace never see each other's buckets.

describeEachBackend(() => {
  describe("tenancy and identity", () => {
    it("keeps user a's bucket b-xyz apart from user a-b's bucket xyz (both would be a-b-xyz if joined)", async () => {
      const a = await h.as("a");
      const ab = await h.as("a-b");
      await createBucket(h, a, "b-xyz");
      await createBucket(h, ab, "xyz");
      await putObject(h, a, "b-xyz", "secret", "a's data");
      await putObject(h, ab, "xyz", "secret", "a-b's data");
      expect(
        (await getObject(h, a, { bucketName: "b-xyz", objectKey: "secret" })).body.toString(),
      ).toBe("a's data");
      expect(
        (await getObject(h, ab, { bucketName: "xyz", objectKey: "secret" })).body.toString(),
      ).toBe("a-b's data");
      const aBuckets = await h.client.listBuckets(
        { userId: "", organizationId: "", prefix: "" },
        a,
      );
      const abBuckets = await h.client.listBuckets(
        { userId: "", organizationId: "", prefix: "" },
        ab,
      );
      expect(aBuckets.buckets.map((b) => b.name)).toEqual(["b-xyz"]);
      expect(abBuckets.buckets.map((b) => b.name)).toEqual(["xyz"]);
      expect(await allKeys(h, a, "b-xyz")).toEqual(["secret"]);
      await expectStatus(
        getObject(h, a, { bucketName: "xyz", objectKey: "secret" }),
        Status.NOT_FOUND,
      );
      await expectStatus(
        getObject(h, ab, { bucketName: "b-xyz", objectKey: "secret" }),
        Status.NOT_FOUND,
      );
      await expectStatus(
        getObject(h, a, { bucketName: "u:a-b/xyz", objectKey: "secret" }),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        getObject(h, ab, { bucketName: "u:a/b-xyz", objectKey: "secret" }),
        Status.PERMISSION_DENIED,
      );
    });

    it("rejects calls without a token with UNAUTHENTICATED", async () => {
      await expectStatus(
        h.client.listBuckets({ userId: "alice", organizationId: "", prefix: "" }),
        Status.UNAUTHENTICATED,
      );
      await expectStatus(
        h.client.putObject(
          putRequests({ bucketName: "reports", objectKey: "k" }, Buffer.from("x")),
        ),
        Status.UNAUTHENTICATED,
      );
    });

    it("rejects a forged token with UNAUTHENTICATED", async () => {
      const { signToken } = await import("@isa-cloud/rpc-server");
      const forged = await signToken({ secret: "not-the-server-secret-0123456789", sub: "alice" });
      const { Metadata } = await import("nice-grpc");
      await expectStatus(
        h.client.listBuckets(
          { userId: "", organizationId: "", prefix: "" },
          { metadata: Metadata({ authorization: `Bearer ${forged}` }) },
        ),
        Status.UNAUTHENTICATED,
      );
    });

    it("rejects a user_id other than the token's subject with PERMISSION_DENIED", async () => {
      await expectStatus(
        h.client.listBuckets({ userId: "bob", organizationId: "", prefix: "" }, alice),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        putObject(h, alice, "reports", "k", "x", { userId: "bob" }),
        Status.PERMISSION_DENIED,
      );
    });

    it("keeps the system namespace out of reach of user tokens", async () => {
      const system = await h.as("duckdb-service", { system: true });
      await createBucket(h, system, "isa-duckdb");
      await putObject(h, system, "isa-duckdb", "db/alice.duckdb", "database bytes");
      const listed = await h.client.listBuckets(
        { userId: "", organizationId: "", prefix: "" },
        system,
      );
      expect(listed.buckets.map((b) => b.name)).toEqual(["isa-duckdb"]);
      await expectStatus(
        getObject(h, alice, { bucketName: "isa-duckdb", objectKey: "db/alice.duckdb" }),
        Status.NOT_FOUND,
      );
      await expectStatus(
        getObject(h, alice, { bucketName: "sys:x/isa-duckdb", objectKey: "db/alice.duckdb" }),
        Status.INVALID_ARGUMENT,
      );
      // A system token is trusted with every tenant's buckets.
      await createBucket(h, alice, "for-system");
      await putObject(h, alice, "for-system", "k", "alice's");
      const users = await getObject(h, system, {
        bucketName: "u:alice/for-system",
        objectKey: "k",
      });
      expect(users.body.toString()).toBe("alice's");
    });
  });

  describe("organization buckets", () => {
    it("are shared by members of the organization only", async () => {
      const carol = await h.as("carol", { org: "acme" });
      const dave = await h.as("dave", { org: "acme" });
      const eve = await h.as("eve", { org: "evil" });
      await createBucket(h, carol, "team", { organizationId: "acme" });
      await putObject(h, carol, "o:acme/team", "plan.md", "the plan");
      // Dave, another member, reaches it by its qualified name.
      expect(
        (
          await getObject(h, dave, { bucketName: "o:acme/team", objectKey: "plan.md" })
        ).body.toString(),
      ).toBe("the plan");
      await putObject(h, dave, "o:acme/team", "notes.md", "dave's notes");
      const listed = await h.client.listBuckets(
        { userId: "", organizationId: "acme", prefix: "" },
        dave,
      );
      expect(listed.buckets.map((b) => b.name)).toEqual(["team"]);
      expect(listed.buckets[0]?.organizationId).toBe("acme");
      await expectStatus(
        h.client.listBuckets({ userId: "", organizationId: "acme", prefix: "" }, eve),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        getObject(h, eve, { bucketName: "o:acme/team", objectKey: "plan.md" }),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        getObject(h, eve, { bucketName: "team", objectKey: "plan.md" }),
        Status.NOT_FOUND,
      );
      await expectStatus(
        createBucket(h, eve, "takeover", { organizationId: "acme" }),
        Status.PERMISSION_DENIED,
      );
      await expectStatus(
        createBucket(h, alice, "no-org", { organizationId: "acme" }),
        Status.PERMISSION_DENIED,
      );
    });
  });

  describe("a plain bucket name", () => {
    it("never falls back to the organization's bucket of that name", async () => {
      const frank = await h.as("frank", { org: "globex" });
      const grace = await h.as("grace", { org: "globex" });
      // Grace, another member, pre-creates the org bucket Frank would call his own `data`.
      await createBucket(h, grace, "data", { organizationId: "globex" });
      await putObject(h, grace, "o:globex/data", "k", "org data");
      await expectStatus(
        getObject(h, frank, { bucketName: "data", objectKey: "k" }),
        Status.NOT_FOUND,
      );
      await expectStatus(putObject(h, frank, "data", "mine", "frank's"), Status.NOT_FOUND);
      await expectStatus(
        h.client.getBucketInfo({ bucketName: "data", userId: "" }, frank),
        Status.NOT_FOUND,
      );
      await expectStatus(
        h.client.deleteBucket({ bucketName: "data", userId: "", force: true }, frank),
        Status.NOT_FOUND,
      );
      expect(
        (
          await getObject(h, frank, { bucketName: "o:globex/data", objectKey: "k" })
        ).body.toString(),
      ).toBe("org data");
      // Once Frank has his own `data`, the plain name is that one and the org's stays apart.
      await createBucket(h, frank, "data");
      await putObject(h, frank, "data", "k", "frank's");
      expect(
        (await getObject(h, frank, { bucketName: "data", objectKey: "k" })).body.toString(),
      ).toBe("frank's");
      expect(
        (
          await getObject(h, grace, { bucketName: "o:globex/data", objectKey: "k" })
        ).body.toString(),
      ).toBe("org data");
    });
  });

  describe("another tenant's private bucket", () => {
    const ref = "u:alice/private-one";
    beforeAll(async () => {
      await createBucket(h, alice, "private-one");
      await putObject(h, alice, "private-one", "k", "alice only");
      await createBucket(h, bob, "bob-source");
      await putObject(h, bob, "bob-source", "k", "bob's");
    });
    const calls = callsOnBucket(ref, () => bob, "bob-source");
    it.each(calls)("is PERMISSION_DENIED for %s", async (_name, call) => {
      await expectStatus(call, Status.PERMISSION_DENIED);
    });

    it("is untouched afterwards", async () => {
      expect(
        (await getObject(h, alice, { bucketName: "private-one", objectKey: "k" })).body.toString(),
      ).toBe("alice only");
      expect(await allKeys(h, alice, "private-one")).toEqual(["k"]);
    });
  });
});
