import { MinIOServiceDefinition } from "@isa-cloud/proto";
import { createIsaClient, type IsaClient } from "@isa-cloud/rpc/client";
import {
  AbortedError,
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  IsaError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  ServiceUnavailableError,
  UnauthenticatedError,
} from "@isa-cloud/rpc/wire";
import { isAbortError } from "abort-controller-x";
import { ClientError, Status } from "nice-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "../src/index.js";
import { type Fixture, secret, startFixture } from "./fixture.js";

describe("typed client errors from real server statuses", () => {
  let fixture: Fixture;
  let client: IsaClient<typeof MinIOServiceDefinition>;

  beforeAll(async () => {
    fixture = await startFixture();
    client = createIsaClient(MinIOServiceDefinition, {
      address: fixture.address,
      token: await signToken({ secret, sub: "alice" }),
      retry: false,
    });
  });
  afterAll(async () => {
    client.close();
    await fixture.server.shutdown();
  });

  const cases = [
    ["NOT_FOUND", NotFoundError],
    ["ALREADY_EXISTS", AlreadyExistsError],
    ["INVALID_ARGUMENT", InvalidArgumentError],
    ["FAILED_PRECONDITION", FailedPreconditionError],
    ["PERMISSION_DENIED", PermissionDeniedError],
    ["UNAUTHENTICATED", UnauthenticatedError],
    ["RESOURCE_EXHAUSTED", ResourceExhaustedError],
    ["DEADLINE_EXCEEDED", DeadlineExceededError],
    ["UNAVAILABLE", ServiceUnavailableError],
    ["ABORTED", AbortedError],
  ] as const;

  for (const [status, ErrorClass] of cases) {
    it(`throws ${ErrorClass.name} for ${status}, keeping path, code and details`, async () => {
      const err = await client
        .createBucket({ bucketName: `fail:${status}` })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ErrorClass);
      expect(err).toBeInstanceOf(IsaError);
      expect(err).toBeInstanceOf(ClientError);
      const typed = err as IsaError;
      expect(typed.name).toBe(ErrorClass.name);
      expect(typed.code).toBe(Status[status]);
      expect(typed.path).toBe("/isa.minio.MinIOService/CreateBucket");
      expect(typed.details).toBe(`failing with ${status} as asked`);
      expect(typed.message).toContain(typed.details);
      expect(typed.cause).toBeInstanceOf(ClientError);
    });
  }

  it("throws a plain IsaError for any other status", async () => {
    const err = await client
      .createBucket({ bucketName: "fail:DATA_LOSS" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IsaError);
    expect((err as IsaError).name).toBe("IsaError");
    expect((err as IsaError).code).toBe(Status.DATA_LOSS);
  });

  it("maps errors of server streams too", async () => {
    const read = async () => {
      for await (const _ of client.getObject({ bucketName: "fail:NOT_FOUND", objectKey: "k" })) {
        // drain
      }
    };
    await expect(read()).rejects.toBeInstanceOf(NotFoundError);
  });

  it("answers UNIMPLEMENTED for a method the service left out", async () => {
    const err = await client
      .statObject({ bucketName: "b", objectKey: "k" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IsaError);
    expect((err as IsaError).code).toBe(Status.UNIMPLEMENTED);
  });

  it("turns an unexpected server error into INTERNAL with an id, logging the stack but never sending it", async () => {
    const err = await client.createBucket({ bucketName: "crash" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IsaError);
    const typed = err as IsaError;
    expect(typed.code).toBe(Status.INTERNAL);
    const match = /^internal error \(see server log, id ([0-9a-f-]{36})\)$/.exec(typed.details);
    expect(match).not.toBeNull();
    expect(typed.message).not.toContain("boom");
    expect(typed.message).not.toContain("app.js");
    const line = fixture.state.logs.find((l) => l.errorId === match?.[1]);
    expect(line?.method).toBe("/isa.minio.MinIOService/CreateBucket");
    expect(JSON.stringify(line?.err)).toContain("boom: secret internals");
    expect((line?.err as { stack?: string } | undefined)?.stack).toMatch(/at /);
  });

  it("lets an aborted call fail with the AbortError itself, not a typed error", async () => {
    const controller = new AbortController();
    const pending = client
      .listBuckets({ prefix: "sleep:10000" }, { signal: controller.signal })
      .catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    const err = await pending;
    expect(isAbortError(err)).toBe(true);
    expect(err).not.toBeInstanceOf(IsaError);
  });

  it("names the address in ServiceUnavailableError when nothing listens there", async () => {
    const down = createIsaClient(MinIOServiceDefinition, { address: "127.0.0.1:1", retry: false });
    const err = await down.listBuckets({}).catch((e: unknown) => e);
    down.close();
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect((err as Error).message).toContain("is the service running at 127.0.0.1:1?");
  });
});
