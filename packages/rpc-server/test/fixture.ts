// A tiny MinIOService for the tests: real generated definition, real server, just the
// methods the tests need. The request's name field (bucket name or prefix) steers it:
//   "fail:<STATUS>" throws ServerError(STATUS), "crash" throws a plain Error,
//   "sleep:<ms>" answers after ms (or when the call is cancelled).
import { Writable } from "node:stream";
import {
  MinIOServiceDefinition,
  type MinIOServiceImplementation,
  type minio,
} from "@isa-cloud/proto";
import type { Identity } from "@isa-cloud/rpc/wire";
import { delay } from "abort-controller-x";
import { type CallContext, ServerError, Status } from "nice-grpc";
import {
  type AuthConfig,
  assertOrgMember,
  createLogger,
  type GrpcServerHandle,
  type GrpcServerOptions,
  resolveUserId,
  startGrpcServer,
} from "../src/index.js";

export const secret = "test-secret-of-enough-length-for-hs256";

export interface FixtureState {
  /** Calls received, by method name. */
  calls: Map<string, number>;
  /** Peer address ("ip:port") of each call received, in order: one port per TCP connection. */
  peers: string[];
  /**
   * The next `count` calls of `method` (with this request name, when `name` is set) fail
   * with `code` before doing anything.
   */
  failFirst?: { method: string; count: number; code: Status; name?: string };
  /** Resolves the waiter of a "sleep:" call once it has arrived. */
  onSleepStarted?: () => void;
  /** Log lines the server wrote. */
  logs: Array<Record<string, unknown>>;
}

type Ctx = CallContext & { identity: Identity };

async function behave(state: FixtureState, method: string, name: string, ctx: CallContext) {
  state.calls.set(method, (state.calls.get(method) ?? 0) + 1);
  state.peers.push(ctx.peer);
  const failing = state.failFirst;
  if (
    failing?.method === method &&
    failing.count > 0 &&
    (failing.name === undefined || failing.name === name)
  ) {
    failing.count--;
    throw new ServerError(failing.code, `${method} is failing on purpose`);
  }
  if (name.startsWith("fail:")) {
    const code = Status[name.slice(5) as keyof typeof Status];
    throw new ServerError(code, `failing with ${name.slice(5)} as asked`);
  }
  if (name === "crash") throw new Error("boom: secret internals /srv/app.js:42");
  if (name.startsWith("sleep:")) {
    state.onSleepStarted?.();
    await delay(ctx.signal, Number(name.slice(6)));
  }
}

export function fixtureImplementation(
  state: FixtureState,
): Partial<MinIOServiceImplementation<Ctx>> {
  return {
    async listBuckets(req, ctx) {
      await behave(state, "listBuckets", req.prefix, ctx);
      const userId = resolveUserId(ctx.identity, req.userId);
      assertOrgMember(ctx.identity, req.organizationId);
      return {
        success: true,
        buckets: [
          {
            name: "echo",
            ownerId: userId,
            organizationId: ctx.identity.orgId ?? "",
            tags: { system: String(ctx.identity.system) },
          },
        ],
        totalCount: 1,
      };
    },
    async createBucket(req, ctx) {
      await behave(state, "createBucket", req.bucketName, ctx);
      const userId = resolveUserId(ctx.identity, req.userId);
      return { success: true, bucketInfo: { name: req.bucketName, ownerId: userId } };
    },
    async *getObject(req, ctx) {
      await behave(state, "getObject", req.bucketName, ctx);
      const userId = resolveUserId(ctx.identity, req.userId);
      yield { payload: { $case: "metadata", value: { key: req.objectKey, ownerId: userId } } };
      // length asks for one chunk of that many bytes (to test the size limit).
      yield { payload: { $case: "chunkData", value: new Uint8Array(Number(req.length)) } };
    },
    async putObject(requests, ctx) {
      let bucket = "";
      let key = "";
      let size = 0;
      for await (const req of requests) {
        if (req.payload?.$case === "metadata") {
          bucket = req.payload.value.bucketName;
          key = req.payload.value.objectKey;
          resolveUserId(ctx.identity, req.payload.value.userId);
        } else if (req.payload?.$case === "chunkData") {
          size += req.payload.value.length;
        }
      }
      await behave(state, "putObject", bucket, ctx);
      return { success: true, objectKey: key, size: BigInt(size), etag: ctx.identity.userId };
    },
    async healthCheck(_req, ctx) {
      const identity = (ctx as Partial<Ctx>).identity;
      return {
        success: true,
        healthy: true,
        status: "SERVING",
        details: { caller: identity?.userId ?? null },
      };
    },
  };
}

export interface Fixture {
  state: FixtureState;
  server: GrpcServerHandle;
  address: string;
}

export async function startFixture(
  opts: {
    auth?: AuthConfig;
    maxMessageBytes?: number;
    port?: number;
    host?: string;
    /** More server options (tls, accessLog, metrics, tracing). */
    server?: Partial<GrpcServerOptions>;
  } = {},
): Promise<Fixture> {
  const state: FixtureState = { calls: new Map(), peers: [], logs: [] };
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n")) if (line) state.logs.push(JSON.parse(line));
      callback();
    },
  });
  const server = await startGrpcServer({
    host: opts.host ?? "127.0.0.1",
    port: opts.port ?? 0,
    services: [
      { definition: MinIOServiceDefinition, implementation: fixtureImplementation(state) },
    ],
    auth: opts.auth ?? { hs256Secret: secret },
    logger: createLogger("rpc-test", { level: "debug", destination }),
    ...(opts.maxMessageBytes ? { maxMessageBytes: opts.maxMessageBytes } : {}),
    ...opts.server,
  });
  return { state, server, address: `127.0.0.1:${server.port}` };
}

export type { minio };
