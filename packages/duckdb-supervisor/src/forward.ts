import * as grpc from "@grpc/grpc-js";
import type { Route } from "./route.js";
import type { InflightCall, Worker } from "./worker.js";

/** Messages travel as the bytes they arrived as: the front never re-encodes a message. */
const bytes = (b: Buffer) => b;

/** Headers the transport sets itself; everything else (authorization too) is passed on. */
const TRANSPORT_HEADERS = ["user-agent", "host", "content-type", "te"];

/**
 * Where a call goes: a local worker (watched, killed past its limit), or another node's
 * front (which watches it itself), with the metadata that marks the call as forwarded.
 */
export type Destination =
  | { route: Route; worker: Worker }
  | { route: Route; node: { client: grpc.Client; mark(metadata: grpc.Metadata): grpc.Metadata } };

export interface ForwardContext {
  /** Full method path, `/package.Service/Method`. */
  path: string;
  /** Chooses the destination from the call's first message (undefined if the stream had none). */
  route(first: Buffer | undefined, metadata: grpc.Metadata): Promise<Destination>;
  graceMs: number;
  /** Called once a call ended early (cancelled, or past its gRPC deadline) on `worker`. */
  onAbandoned(worker: Worker): void;
}

/** The caller's side of one call, whatever its shape. */
interface Downstream {
  metadata: grpc.Metadata;
  deadline: grpc.Deadline;
  /** The request stream after its first message; undefined for unary requests. */
  rest?: NodeJS.ReadableStream;
  sendHeaders(metadata: grpc.Metadata): void;
  /** Writes one response message; false asks to wait for `onDrain`. */
  write(message: Buffer): boolean;
  onDrain(resume: () => void): void;
  finish(status: grpc.StatusObject): void;
  onCancelled(handler: () => void): void;
}

/** grpc-js handlers that forward each method of a service to where `route` says. */
export function forwardingHandlers(
  methods: Array<{ name: string; path: string; requestStream: boolean; responseStream: boolean }>,
  context: (path: string, name: string) => ForwardContext,
): { definition: grpc.ServiceDefinition; handlers: grpc.UntypedServiceImplementation } {
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const m of methods) {
    definition[m.name] = {
      path: m.path,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: bytes,
      requestDeserialize: bytes,
      responseSerialize: bytes,
      responseDeserialize: bytes,
      originalName: m.name,
    };
    const ctx = context(m.path, m.name);
    handlers[m.name] = m.requestStream
      ? m.responseStream
        ? (call: grpc.ServerDuplexStream<Buffer, Buffer>) =>
            void firstOf(call).then((first) => forward(ctx, first, streaming(call, call)))
        : (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
            void firstOf(call).then((first) => forward(ctx, first, single(call, callback, call)))
      : m.responseStream
        ? (call: grpc.ServerWritableStream<Buffer, Buffer>) =>
            void forward(ctx, call.request, streaming(call))
        : (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
            void forward(ctx, call.request, single(call, callback));
  }
  return { definition, handlers };
}

/** The first message of a request stream (routing needs it), the rest left paused. */
function firstOf(call: grpc.ServerReadableStream<Buffer, Buffer>): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const onData = (message: Buffer) => {
      call.pause();
      done(message);
    };
    const done = (message: Buffer | undefined) => {
      call.off("data", onData).off("end", onEnd).off("error", onEnd);
      resolve(message);
    };
    const onEnd = () => done(undefined);
    call.on("data", onData).once("end", onEnd).once("error", onEnd);
  });
}

/** A caller expecting one response (unary, client streaming). */
function single(
  call: grpc.ServerUnaryCall<Buffer, Buffer> | grpc.ServerReadableStream<Buffer, Buffer>,
  callback: grpc.sendUnaryData<Buffer>,
  rest?: NodeJS.ReadableStream,
): Downstream {
  let response: Buffer | undefined;
  return {
    metadata: call.metadata,
    deadline: call.getDeadline(),
    ...(rest ? { rest } : {}),
    sendHeaders: (md) => call.sendMetadata(md),
    write(message) {
      response = message;
      return true;
    },
    onDrain() {},
    finish(status) {
      if (status.code === grpc.status.OK && response) {
        callback(null, response, status.metadata);
      } else if (status.code === grpc.status.OK) {
        callback({ code: grpc.status.INTERNAL, details: "the worker sent no response" });
      } else {
        callback({ code: status.code, details: status.details, metadata: status.metadata });
      }
    },
    onCancelled: (handler) => call.once("cancelled", handler),
  };
}

/** A caller reading a response stream (server streaming, bidi). */
function streaming(
  call: grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>,
  rest?: NodeJS.ReadableStream,
): Downstream {
  return {
    metadata: call.metadata,
    deadline: call.getDeadline(),
    ...(rest ? { rest } : {}),
    sendHeaders: (md) => call.sendMetadata(md),
    write: (message) => call.write(message),
    onDrain: (resume) => call.once("drain", resume),
    finish(status) {
      if (status.code === grpc.status.OK) call.end(status.metadata);
      else
        call.emit("error", {
          code: status.code,
          details: status.details,
          metadata: status.metadata,
        });
    },
    onCancelled: (handler) => call.once("cancelled", handler),
  };
}

/** Metadata for the worker: the caller's, minus what the transport sets itself. */
function upstreamMetadata(metadata: grpc.Metadata): grpc.Metadata {
  const copy = metadata.clone();
  for (const key of TRANSPORT_HEADERS) copy.remove(key);
  return copy;
}

/**
 * Forwards one call to its worker or to the node that owns it: headers, messages (with
 * backpressure both ways), status and trailers pass through; cancellation and the
 * deadline go upstream; for a local worker, a watchdog kills it when the call outlives
 * its limit by the grace (a remote node runs its own watchdog).
 */
async function forward(
  ctx: ForwardContext,
  first: Buffer | undefined,
  down: Downstream,
): Promise<void> {
  let finished = false;
  let cancelled = false;
  down.onCancelled(() => {
    cancelled = true;
  });
  let destination: Destination;
  let client: grpc.Client;
  try {
    destination = await ctx.route(first, down.metadata);
    client =
      "worker" in destination ? (await destination.worker.ready()).client : destination.node.client;
  } catch (err) {
    down.finish({
      code: grpc.status.UNAVAILABLE,
      details: `analytics unavailable: ${(err as Error).message}`,
      metadata: new grpc.Metadata(),
    });
    return;
  }
  if (cancelled) return;
  const { route } = destination;
  const worker = "worker" in destination ? destination.worker : undefined;

  let up: grpc.ClientDuplexStream<Buffer, Buffer>;
  let untrack = () => {};
  let watchdog: NodeJS.Timeout | undefined;
  const end = (status: grpc.StatusObject) => {
    if (finished) return;
    finished = true;
    clearTimeout(watchdog);
    untrack();
    if (!cancelled) down.finish(status);
  };
  const tracked: InflightCall = {
    abort(code, details) {
      end({ code, details, metadata: new grpc.Metadata() });
      up.cancel();
    },
  };
  if (worker) untrack = worker.track(tracked);
  const metadata = upstreamMetadata(down.metadata);
  up = client.makeBidiStreamRequest(
    ctx.path,
    bytes,
    bytes,
    "node" in destination ? destination.node.mark(metadata) : metadata,
    { deadline: down.deadline },
  );

  // A caller gone (cancelled, or its deadline passed: grpc-js answers it itself) stops the
  // worker's call too; whether the worker really stopped is checked after the grace.
  down.onCancelled(() => {
    if (finished) return;
    finished = true;
    clearTimeout(watchdog);
    untrack();
    up.cancel();
    if (worker) setTimeout(() => ctx.onAbandoned(worker), ctx.graceMs).unref();
  });

  if (worker && route.limitMs !== undefined) {
    const limitMs = route.limitMs;
    watchdog = setTimeout(() => {
      worker.kill(
        "deadline",
        `the call ran past ${route.limitName} and did not stop within ${ctx.graceMs} ms of it; its analytics worker was killed and restarted`,
        {
          culprit: tracked,
          culpritCode: grpc.status.DEADLINE_EXCEEDED,
          othersCode: grpc.status.UNAVAILABLE,
          others:
            "the analytics worker serving this database was restarted (another call on it ran past its limit); retry",
        },
      );
    }, limitMs + ctx.graceMs);
    watchdog.unref();
  }

  up.on("metadata", (md) => {
    if (!finished) down.sendHeaders(md);
  });
  up.on("data", (message: Buffer) => {
    if (finished) return;
    if (!down.write(message)) {
      up.pause();
      down.onDrain(() => up.resume());
    }
  });
  // The status can come before buffered messages were handed on: end after both.
  let status: grpc.StatusObject | undefined;
  let drained = false;
  const settle = () => {
    if (status && drained) end(status);
  };
  up.on("status", (s) => {
    status = s;
    settle();
  });
  up.on("end", () => {
    drained = true;
    settle();
  });
  up.on("error", () => {}); // the same failure arrives as `status`

  if (first !== undefined) up.write(first);
  const rest = down.rest;
  if (!rest || first === undefined) {
    up.end();
    return;
  }
  rest.on("data", (message: Buffer) => {
    if (!up.write(message)) {
      rest.pause();
      up.once("drain", () => rest.resume());
    }
  });
  rest.once("end", () => up.end());
  rest.resume();
}
