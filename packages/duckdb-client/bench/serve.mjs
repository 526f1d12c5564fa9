// Child process of query.mjs: the storage and analytics services in a process of their
// own, as in production, brought up by @isa-cloud/testing's startTestStack (temp dir,
// ephemeral loopback ports) with the secret given as the first argument. Prints one JSON
// line with the analytics port, then serves until stdin closes.
import { startTestStack } from "@isa-cloud/testing";

const [secret] = process.argv.slice(2);
const stack = await startTestStack({ secret });
process.stdout.write(`${JSON.stringify({ port: stack.analytics.port })}\n`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await stack.close();
  process.exit(0);
});
