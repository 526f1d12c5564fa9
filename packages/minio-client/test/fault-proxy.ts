import http2 from "node:http2";
import type { AddressInfo } from "node:net";

/**
 * An HTTP/2 proxy in front of a real gRPC server, for what a server cannot be
 * asked to do on cue: answer the next N calls with UNAVAILABLE (a server that is
 * briefly down), and count the calls and connections that reach it.
 */
export interface FaultProxy {
  address: string;
  /** Calls received per method path ("/isa.minio.MinIOService/ListBuckets"), failed ones included. */
  calls: Map<string, number>;
  /** TCP connections accepted so far. */
  connections: number;
  /** Answers the next `count` calls with UNAVAILABLE instead of forwarding them. */
  failNext(count: number): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = http2.connect(`http://${target}`);
  upstream.on("error", () => {});
  let failing = 0;
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  const proxy: FaultProxy = {
    address: "",
    calls: new Map(),
    connections: 0,
    failNext(count) {
      failing = count;
    },
    async close() {
      for (const session of sessions) session.destroy();
      upstream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on("session", (session) => {
    proxy.connections++;
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    const path = String(headers[":path"]);
    proxy.calls.set(path, (proxy.calls.get(path) ?? 0) + 1);
    stream.on("error", () => {});
    if (failing > 0) {
      failing--;
      // A trailers-only response, as a gRPC server sends for an immediate error.
      stream.respond(
        {
          ":status": 200,
          "content-type": "application/grpc",
          "grpc-status": "14",
          "grpc-message": "injected by the fault proxy",
        },
        { endStream: true },
      );
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!name.startsWith(":") || name === ":path" || name === ":method") {
        forwarded[name] = value;
      }
    }
    const request = upstream.request(forwarded);
    request.on("error", () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.on("close", () => {
      if (!request.closed) request.close(http2.constants.NGHTTP2_CANCEL);
    });
    let trailersOnly = false;
    let trailers: http2.OutgoingHttpHeaders = {};
    request.on("response", (responseHeaders) => {
      const kept = Object.fromEntries(
        Object.entries(responseHeaders).filter(([n]) => !n.startsWith(":") || n === ":status"),
      );
      // An immediate error comes as headers carrying the status, with nothing after.
      trailersOnly = "grpc-status" in responseHeaders;
      stream.respond(kept, trailersOnly ? { endStream: true } : { waitForTrailers: true });
    });
    request.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("wantTrailers", () => stream.sendTrailers(trailers));
    request.on("data", (chunk: Buffer) => {
      if (!trailersOnly && !stream.write(chunk)) {
        request.pause();
        stream.once("drain", () => request.resume());
      }
    });
    request.on("end", () => {
      if (!trailersOnly) stream.end();
    });
    stream.pipe(request);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
