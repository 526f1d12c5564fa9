import { randomBytes } from "node:crypto";
import { Status } from "nice-grpc-common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError, type MinioClient } from "../src/index.js";
import { rejectionOf, type Storage, startStorage } from "./storage.js";

let storage: Storage;
let client: MinioClient;

beforeAll(async () => {
  storage = await startStorage();
  client = await storage.client("erin");
  await client.createBucket("shared");
});

afterAll(async () => {
  await storage?.close();
});

describe("presigned URLs", () => {
  it("gives a GET URL that plain fetch() downloads the object with", async () => {
    const content = randomBytes(100_000);
    await client.putObject("shared", "photo.jpg", content, { contentType: "image/jpeg" });
    const before = Date.now();
    const { url, expiresAt } = await client.presignedGetUrl("shared", "photo.jpg");
    expect(expiresAt).toBeInstanceOf(Date);
    // Default lifetime: one hour.
    expect(expiresAt.getTime()).toBeGreaterThan(before + 3_500_000);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
  });

  it("gives a PUT URL that plain fetch() uploads an object with", async () => {
    const { url, expiresAt } = await client.presignedPutUrl("shared", "upload.txt", {
      expirySeconds: 120,
      contentType: "text/plain",
    });
    expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 121_000);
    const response = await fetch(url, {
      method: "PUT",
      body: "sent without a token",
      headers: { "content-type": "text/plain" },
    });
    expect(response.ok).toBe(true);
    expect((await client.getObject("shared", "upload.txt")).toString()).toBe(
      "sent without a token",
    );
  });

  it("gives URLs the HTTP endpoint refuses once tampered with", async () => {
    await client.putObject("shared", "secret.txt", "secret");
    const { url } = await client.presignedGetUrl("shared", "secret.txt");
    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace("secret.txt", "other.txt");
    const response = await fetch(tampered);
    expect(response.ok).toBe(false);
    expect(response.status).toBe(403);
  });

  it("refuses a lifetime over 7 days with InvalidArgumentError", async () => {
    const error = await rejectionOf(
      client.presignedGetUrl("shared", "photo.jpg", { expirySeconds: 604_801 }),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: Status.INVALID_ARGUMENT });
  });
});
