import net, { type AddressInfo } from "node:net";

/**
 * A TCP proxy in front of the real presigned-URL endpoint, for what the endpoint cannot be
 * asked to do on cue: show that bytes went over HTTP (it counts them), and cut a
 * connection midway, as a network failure would.
 */
export interface TcpProxy {
  port: number;
  /** Where connections go; set once the endpoint's port is known. */
  target: number;
  /** Client-to-endpoint bytes forwarded so far. */
  bytesUp: number;
  /** Endpoint-to-client bytes forwarded so far. */
  bytesDown: number;
  /** Cuts each connection after this many client-to-endpoint bytes. Default: never. */
  cutUpAfter: number;
  /** Cuts each connection after this many endpoint-to-client bytes. Default: never. */
  cutDownAfter: number;
  close(): Promise<void>;
}

export async function startTcpProxy(): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(proxy.target, "127.0.0.1");
    track(client);
    track(upstream);
    let up = 0;
    let down = 0;
    client.on("data", (data: Buffer) => {
      up += data.byteLength;
      proxy.bytesUp += data.byteLength;
      if (up > proxy.cutUpAfter) {
        client.destroy();
        upstream.destroy();
        return;
      }
      if (!upstream.write(data)) client.pause();
    });
    upstream.on("drain", () => client.resume());
    upstream.on("data", (data: Buffer) => {
      down += data.byteLength;
      proxy.bytesDown += data.byteLength;
      if (down > proxy.cutDownAfter) {
        client.destroy();
        upstream.destroy();
        return;
      }
      if (!client.write(data)) upstream.pause();
    });
    client.on("drain", () => upstream.resume());
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxy: TcpProxy = {
    port: (server.address() as AddressInfo).port,
    target: 0,
    bytesUp: 0,
    bytesDown: 0,
    cutUpAfter: Number.POSITIVE_INFINITY,
    cutDownAfter: Number.POSITIVE_INFINITY,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
