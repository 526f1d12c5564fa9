// s3rver in a process of its own, for bench/throughput.mjs: the S3 store that both the
// service's S3 backend and the AWS SDK (straight) talk to. Prints {"port":N} once listening.
// usage: node s3rver-server.mjs DIRECTORY
import S3rver from "s3rver";

const { port } = await new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory: process.argv[2],
}).run();
console.log(JSON.stringify({ port }));
