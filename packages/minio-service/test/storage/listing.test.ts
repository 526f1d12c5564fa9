import { Status } from "nice-grpc";
import { beforeAll, describe, expect, it } from "vitest";
import { createBucket, expectStatus, listRequest, md5, putObject } from "../harness.js";
import { alice, describeEachBackend, h } from "./each-backend.js";

// ListObjects: byte order, pages, common prefixes, prefix and start_after.

describeEachBackend(() => {
  describe("listing", () => {
    // Every common prefix has a key directly under it: s3rver misses prefixes whose keys all
    // sit deeper (see the README), which real S3 does not.
    const keys = [
      "a",
      "a-c",
      "a/b",
      "a/c/d",
      "b/1",
      "b/2",
      "b/3/x",
      "c",
      "photos/2024/01.jpg",
      "photos/2024/02.jpg",
      "photos/2025/01.jpg",
      "photos/cover.jpg",
    ];
    beforeAll(async () => {
      await createBucket(h, alice, "listing");
      for (const key of keys) await putObject(h, alice, "listing", key, key);
    });

    it("lists every key in byte order, a page at a time", async () => {
      const seen: string[] = [];
      let continuationToken = "";
      let pages = 0;
      do {
        const page = await h.client.listObjects(
          listRequest("listing", { recursive: true, maxKeys: 3, continuationToken }),
          alice,
        );
        expect(page.objects.length).toBeLessThanOrEqual(3);
        expect(page.isTruncated).toBe(page.nextContinuationToken !== "");
        seen.push(...page.objects.map((o) => o.key));
        continuationToken = page.nextContinuationToken;
        pages++;
      } while (continuationToken);
      expect(seen).toEqual([...keys].sort());
      expect(pages).toBe(4);
      const one = await h.client.listObjects(
        listRequest("listing", { recursive: true, prefix: "a/b" }),
        alice,
      );
      expect(one.objects[0]).toMatchObject({ key: "a/b", size: 3n, etag: md5("a/b") });
    });

    it("groups keys into common prefixes with a delimiter, across pages", async () => {
      const top = await h.client.listObjects(listRequest("listing", { delimiter: "/" }), alice);
      expect(top.objects.map((o) => o.key)).toEqual(["a", "a-c", "c"]);
      expect(top.commonPrefixes).toEqual(["a/", "b/", "photos/"]);
      const entries: string[] = [];
      let continuationToken = "";
      do {
        const page = await h.client.listObjects(
          listRequest("listing", { delimiter: "/", maxKeys: 2, continuationToken }),
          alice,
        );
        expect(page.objects.length + page.commonPrefixes.length).toBeLessThanOrEqual(2);
        entries.push(...page.objects.map((o) => o.key), ...page.commonPrefixes);
        continuationToken = page.nextContinuationToken;
      } while (continuationToken);
      expect(entries.sort()).toEqual(["a", "a-c", "a/", "b/", "c", "photos/"]);
      const nested = await h.client.listObjects(
        listRequest("listing", { delimiter: "/", prefix: "photos/" }),
        alice,
      );
      expect(nested.commonPrefixes).toEqual(["photos/2024/", "photos/2025/"]);
      expect(nested.objects.map((o) => o.key)).toEqual(["photos/cover.jpg"]);
      const partial = await h.client.listObjects(
        listRequest("listing", { delimiter: "/", prefix: "b/" }),
        alice,
      );
      expect(partial.objects.map((o) => o.key)).toEqual(["b/1", "b/2"]);
      expect(partial.commonPrefixes).toEqual(["b/3/"]);
      const otherDelimiter = await h.client.listObjects(
        listRequest("listing", { delimiter: "-" }),
        alice,
      );
      expect(otherDelimiter.commonPrefixes).toEqual(["a-"]);
      expect(otherDelimiter.objects.map((o) => o.key)).not.toContain("a-c");
    });

    it("honours prefix and start_after, and ignores the delimiter when recursive", async () => {
      const prefixed = await h.client.listObjects(
        listRequest("listing", { prefix: "photos/2024", recursive: true }),
        alice,
      );
      expect(prefixed.objects.map((o) => o.key)).toEqual([
        "photos/2024/01.jpg",
        "photos/2024/02.jpg",
      ]);
      const after = await h.client.listObjects(
        listRequest("listing", { startAfter: "b/2", recursive: true }),
        alice,
      );
      expect(after.objects.map((o) => o.key)).toEqual([
        "b/3/x",
        "c",
        "photos/2024/01.jpg",
        "photos/2024/02.jpg",
        "photos/2025/01.jpg",
        "photos/cover.jpg",
      ]);
      const recursive = await h.client.listObjects(
        listRequest("listing", { delimiter: "/", recursive: true }),
        alice,
      );
      expect(recursive.commonPrefixes).toEqual([]);
      expect(recursive.objects).toHaveLength(keys.length);
    });

    it("rejects a continuation token it did not issue and a negative max_keys", async () => {
      await expectStatus(
        h.client.listObjects(listRequest("listing", { continuationToken: "garbage!" }), alice),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        h.client.listObjects(listRequest("listing", { maxKeys: -1 }), alice),
        Status.INVALID_ARGUMENT,
      );
    });
  });
});
