// The direct unary path (unary-call.ts) against a real loopback server. Retries, deadlines,
// the token and the middleware order are tested over both paths in rpc-server's
// test/client.test.ts; these cover what only the direct path does itself.
import { DuckDBServiceDefinition } from "@isa-cloud/proto";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { delay, isAbortError } from "abort-controller-x";
import {
  type CallContext,
  createServer,
  Metadata,
  type Server,
  ServerError,
  Status,
} from "nice-grpc";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DeadlineExceededError, IsaError } from "../wire/errors.js";
import { withRequestId } from "../wire/request-id.js";
import { createIsaClient, type IsaClient } from "./isa-client.js";

type Client = IsaClient<typeof DuckDBServiceDefinition>;

const TOKEN = "client-token";

/** What the server saw: calls per method, the last call's headers, cancelled calls. */
const seen = {
  calls: new Map<string, number>(),
  headers: {} as Record<string, string>,
  aborted: 0,
};

function count(method: string) {
  seen.calls.set(method, (seen.calls.get(method) ?? 0) + 1);
}

// ExecuteQuery (may write: never retried) does what its query says; ListDatabases
// (NO_SIDE_EFFECTS: retried) fails as its name filter says. Anything else is UNIMPLEMENTED.
const implementation = {
  async executeQuery(request: { query: string }, context: CallContext) {
    count("executeQuery");
    seen.headers = {};
    for (const [key, values] of context.metadata) seen.headers[key] = String(values[0]);
    if (request.query.startsWith("sleep:")) {
      try {
        await delay(context.signal, Number(request.query.slice(6)));
      } catch (err) {
        if (isAbortError(err)) seen.aborted++;
        throw err;
      }
    }
    context.header.set("x-answer", "42");
    return { success: true, columns: [request.query] };
  },
  async listDatabases(request: { nameFilter: string }) {
    count("listDatabases");
    if (request.nameFilter === "UNAVAILABLE") throw new ServerError(Status.UNAVAILABLE, "down");
    return { success: true };
  },
};
const unimplemented = new Proxy(implementation, {
  get: (target, name) =>
    (target as Record<string | symbol, unknown>)[name] ??
    (async () => {
      throw new ServerError(Status.UNIMPLEMENTED, String(name));
    }),
});

describe("the direct unary path", () => {
  let server: Server;
  let address: string;
  const clients: Client[] = [];
  const client = (options: Partial<Parameters<typeof createIsaClient>[1]> = {}) => {
    const c = createIsaClient(DuckDBServiceDefinition, {
      address,
      token: TOKEN,
      tls: false,
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
      ...options,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    // The request id rides in OpenTelemetry's context, which needs a context manager.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    server = createServer();
    server.add(DuckDBServiceDefinition, unimplemented as never);
    address = `127.0.0.1:${await server.listen("127.0.0.1:0")}`;
  });
  beforeEach(() => {
    seen.calls.clear();
    seen.aborted = 0;
  });
  afterAll(async () => {
    context.disable();
    for (const c of clients) c.close();
    await server.shutdown();
  });

  it("sends the token, the call's own metadata and the active request id", async () => {
    const c = client();
    await withRequestId("req-1", () =>
      c.executeQuery({ query: "echo" }, { metadata: Metadata({ "x-tenant": "t1" }) }),
    );
    expect(seen.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      "x-request-id": "req-1",
      "x-tenant": "t1",
    });
    await withRequestId("req-2", () => c.executeQuery({ query: "echo" }));
    expect(seen.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      "x-request-id": "req-2",
    });
  });

  it("sends no request id outside a request, and the call's or the view's token over the client's", async () => {
    const c = client();
    await c.executeQuery({ query: "echo" });
    expect(seen.headers["x-request-id"]).toBeUndefined();
    await c.executeQuery({ query: "echo" }, { token: "per-call" });
    expect(seen.headers.authorization).toBe("Bearer per-call");
    await c.forToken("view").executeQuery({ query: "echo" });
    expect(seen.headers.authorization).toBe("Bearer view");
    await c.forToken("view").executeQuery({ query: "echo" }, { token: "" });
    expect(seen.headers.authorization).toBeUndefined();
    await c.executeQuery({ query: "echo" });
    expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("cancels the call when its signal aborts: an AbortError here, a cancelled call there", async () => {
    const controller = new AbortController();
    const pending = client()
      .executeQuery({ query: "sleep:10000" }, { signal: controller.signal })
      .catch((e: unknown) => e);
    while (seen.calls.get("executeQuery") !== 1) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const err = await pending;
    expect(isAbortError(err)).toBe(true);
    while (seen.aborted !== 1) await new Promise((r) => setTimeout(r, 5));
  });

  it("makes no call when the signal is aborted already", async () => {
    const err = await client()
      .executeQuery({ query: "echo" }, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(seen.calls.get("executeQuery")).toBeUndefined();
  });

  it("stops retrying when the signal aborts during the backoff", async () => {
    const controller = new AbortController();
    const pending = client({ retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } })
      .listDatabases({ nameFilter: "UNAVAILABLE" }, { signal: controller.signal })
      .catch((e: unknown) => e);
    while (seen.calls.get("listDatabases") !== 1) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(isAbortError(await pending)).toBe(true);
    expect(seen.calls.get("listDatabases")).toBe(1);
  });

  it("fails a deadline that has passed already with DeadlineExceededError", async () => {
    const err = await client()
      .executeQuery({ query: "echo" }, { deadline: new Date(Date.now() - 1_000) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
  });

  it("ends retries at the deadline even with DEADLINE_EXCEEDED among the retryable statuses", async () => {
    const err = await client()
      .listDatabases(
        { nameFilter: "UNAVAILABLE" },
        {
          deadline: 200,
          retryMaxAttempts: Number.POSITIVE_INFINITY,
          retryableStatuses: [Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED],
        },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
  });

  it("refuses a request its message type cannot encode with a typed INTERNAL error, sending nothing", async () => {
    const err = await client()
      .executeQuery({ query: "echo", maxRows: "ten" as unknown as number })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IsaError);
    expect((err as IsaError).code).toBe(Status.INTERNAL);
    expect(seen.calls.get("executeQuery")).toBeUndefined();
  });

  it("takes a call that asks for headers through the middleware chain", async () => {
    let answer: string | undefined;
    await client().executeQuery(
      { query: "echo" },
      { onHeader: (header) => (answer = header.get("x-answer")) },
    );
    expect(answer).toBe("42");
  });

  it("serves calls with metrics and tracing off", async () => {
    const res = await client({ metrics: false, tracing: false }).executeQuery({ query: "plain" });
    expect(res.columns).toEqual(["plain"]);
  });
});
