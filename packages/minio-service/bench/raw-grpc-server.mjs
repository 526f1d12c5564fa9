// The transport's own limit, for bench/throughput.mjs: a grpc-js server (in a process of
// its own, as the service is) that takes a client stream of byte messages and drops them,
// or streams a given number of bytes in messages of a given size. No protobuf, no disk, no
// hashing; the same message size limit and receive window as startGrpcServer.
// Prints {"port":N} once listening.
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { receiveWindowInterceptor } from "@isa-cloud/rpc-server";

const MiB = 1024 * 1024;
const same = (bytes) => bytes;
const method = (name, requestStream, responseStream) => ({
  path: `/bench.RawBytes/${name}`,
  requestStream,
  responseStream,
  requestSerialize: same,
  requestDeserialize: same,
  responseSerialize: same,
  responseDeserialize: same,
});

const server = new Server({
  "grpc.max_receive_message_length": 8 * MiB,
  "grpc.max_send_message_length": 8 * MiB,
  interceptors: [receiveWindowInterceptor(MiB)],
});
server.addService(
  { up: method("Up", true, false), down: method("Down", false, true) },
  {
    up(call, callback) {
      let received = 0;
      call.on("data", (message) => {
        received += message.length;
      });
      call.on("end", () => callback(null, Buffer.from(String(received))));
    },
    // The request is "<total bytes> <message bytes>".
    down(call) {
      const [total, size] = call.request.toString().split(" ").map(Number);
      const message = Buffer.alloc(size, 7);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const piece = message.subarray(0, Math.min(size, total - sent));
          sent += piece.length;
          if (!call.write(piece)) return void call.once("drain", pump);
        }
        call.end();
      };
      pump();
    },
  },
);
server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(JSON.stringify({ port }));
});
