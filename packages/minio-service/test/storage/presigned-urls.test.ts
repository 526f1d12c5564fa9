import { Status } from "nice-grpc";
import { beforeAll, describe, expect, it } from "vitest";
import { createBucket, expectStatus, getObject, md5, putObject } from "../harness.js";
import { alice, describeEachBackend, h } from "./each-backend.js";

// Presigned GET and PUT URLs, and the expiries and parameters they refuse.

describeEachBackend(() => {
  describe("presigned URLs", () => {
    beforeAll(async () => {
      await createBucket(h, alice, "presigned");
      await putObject(h, alice, "presigned", "dir/file.txt", "presigned body", {
        contentType: "text/plain",
      });
    });

    it("downloads with a presigned GET URL", async () => {
      const res = await h.client.getPresignedURL(
        {
          bucketName: "presigned",
          objectKey: "dir/file.txt",
          userId: "",
          expirySeconds: 300,
          requestParams: {},
        },
        alice,
      );
      expect(res.success).toBe(true);
      const seconds = Number(res.expiresAt?.seconds) - Date.now() / 1000;
      expect(seconds).toBeGreaterThan(200);
      expect(seconds).toBeLessThanOrEqual(301);
      const response = await fetch(res.url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("presigned body");
    });

    it("uploads with a presigned PUT URL", async () => {
      const res = await h.client.getPresignedPutURL(
        {
          bucketName: "presigned",
          objectKey: "uploaded.csv",
          userId: "",
          expirySeconds: 0,
          contentType: "text/csv",
        },
        alice,
      );
      const response = await fetch(res.url, {
        method: "PUT",
        body: "a,b\n1,2\n",
        headers: { "content-type": "text/csv" },
      });
      expect(response.status).toBe(200);
      const got = await getObject(h, alice, { bucketName: "presigned", objectKey: "uploaded.csv" });
      expect(got.body.toString()).toBe("a,b\n1,2\n");
      expect(got.info.contentType).toBe("text/csv");
      expect(got.info.etag).toBe(md5("a,b\n1,2\n"));
    });

    it("rejects an expiry above 7 days or below zero, and unknown request params", async () => {
      for (const expirySeconds of [604_801, -1]) {
        await expectStatus(
          h.client.getPresignedURL(
            {
              bucketName: "presigned",
              objectKey: "dir/file.txt",
              userId: "",
              expirySeconds,
              requestParams: {},
            },
            alice,
          ),
          Status.INVALID_ARGUMENT,
        );
      }
      await expectStatus(
        h.client.getPresignedURL(
          {
            bucketName: "presigned",
            objectKey: "dir/file.txt",
            userId: "",
            expirySeconds: 60,
            requestParams: { "x-evil": "1" },
          },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
      await expectStatus(
        h.client.getPresignedPutURL(
          {
            bucketName: "presigned",
            objectKey: "/abs",
            userId: "",
            expirySeconds: 60,
            contentType: "",
          },
          alice,
        ),
        Status.INVALID_ARGUMENT,
      );
    });
  });
});
