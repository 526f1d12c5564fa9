// The storage service for throughput.mjs, in its own process, so that the client
// being measured does not share an event loop with the server. Prints one JSON
// line ({ port }) once listening; stops when stdin closes.
import { startMinioService } from "@isa-cloud/minio-service";

const [root, secret] = process.argv.slice(2);
const service = await startMinioService({
  host: "127.0.0.1",
  port: 0,
  httpPort: 0,
  backend: { kind: "fs", root },
  auth: { hs256Secret: secret },
  presignSecret: secret,
  maxMessageBytes: 8 * 1024 * 1024,
  logLevel: "silent",
});
process.stdout.write(`${JSON.stringify({ port: service.port })}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await service.close();
  process.exit(0);
});
