// Child process of rows.mjs: storage and analytics (through @isa-cloud/testing's stack)
// and the gateway in front of them, on ephemeral loopback ports, in a process of their
// own as in production. Prints one JSON line, then serves until stdin closes.
import { startTestStack } from "@isa-cloud/testing";
import { startPgGateway } from "../dist/index.js";

const stack = await startTestStack();
const gateway = await startPgGateway({
  host: "127.0.0.1",
  port: 0,
  analyticsAddress: stack.analytics.address,
  auth: { hs256Secret: stack.secret },
  logLevel: "silent",
});
process.stdout.write(
  `${JSON.stringify({ pgPort: gateway.port, analytics: stack.analytics.address, secret: stack.secret })}\n`,
);
process.stdin.resume();
process.stdin.on("end", async () => {
  await gateway.close();
  await stack.close();
  process.exit(0);
});
