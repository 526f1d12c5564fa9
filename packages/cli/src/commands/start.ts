import { mkdir } from "node:fs/promises";
import { ConfigError, readHost, readPort } from "@isa-cloud/rpc/wire";
import { signToken } from "@isa-cloud/rpc-server";
import type { Command } from "commander";
import { writeLocalProfile } from "../config/local-profile.js";
import { type CliIo, DEFAULT_DEV_USER, dataDirOf, UsageError } from "../context.js";
import { devSecretPath, ensureDevSecret } from "../dev-secret.js";
import { SERVICE_NAMES, type ServiceName, type StackEvent, startStack } from "../stack.js";
import { type StartOperationsFlags, startOperationsSettings } from "./start-operations.js";

const PORT_OPTIONS: Record<ServiceName, string> = {
  storage: "--storage-port, --http-port",
  analytics: "--analytics-port",
  postgres: "--pg-port",
  api: "--api-port",
};

interface StartFlags extends StartOperationsFlags {
  only?: string;
  dataDir?: string;
  host?: string;
  storagePort?: string;
  httpPort?: string;
  analyticsPort?: string;
  pgPort?: string;
  apiPort?: string;
  user: string;
  logLevel?: string;
}

/**
 * The line a user pastes to try the API: an upload of a small text file (with
 * `--cacert`, for a self-signed certificate, when `caFile` is given).
 */
export function curlExample(apiUrl: string, token: string, caFile?: string): string {
  const body = JSON.stringify({
    file_name: "hello.txt",
    data: Buffer.from("hello, isa-cloud\n").toString("base64"),
  });
  const cacert = caFile ? ` --cacert '${caFile}'` : "";
  return `curl -s${cacert} -X POST '${apiUrl}/api/v1/data/upload' -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -d '${body}'`;
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      process.off("SIGINT", first);
      process.off("SIGTERM", first);
      process.once("SIGINT", () => process.exit(130));
      process.once("SIGTERM", () => process.exit(143));
      resolve(signal);
    };
    process.on("SIGINT", first);
    process.on("SIGTERM", first);
  });
}

export function registerStart(program: Command, io: CliIo): void {
  program
    .command("start")
    .description("start storage, analytics and the HTTP API in one process, data under ./data")
    .option("--only <service>", `start one service alone (${SERVICE_NAMES.join(", ")})`)
    .option("-d, --data-dir <dir>", "where all state lives (default: $ISA_DATA_DIR or ./data)")
    .option("--host <host>", "address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)")
    .option("--storage-port <port>", "storage gRPC port (default: $MINIO_GRPC_PORT or 50051)")
    .option("--http-port <port>", "presigned-URL HTTP port (default: $MINIO_HTTP_PORT or 50080)")
    .option("--analytics-port <port>", "analytics gRPC port (default: $DUCKDB_GRPC_PORT or 50052)")
    .option("--pg-port <port>", "Postgres wire port (default: $DUCKDB_PG_PORT or 5433)")
    .option("--api-port <port>", "HTTP API port (default: $API_PORT or 8080)")
    .option("-u, --user <id>", "user of the printed dev token", DEFAULT_DEV_USER)
    .option("--log-level <level>", "services' log level (default: $LOG_LEVEL or warn)")
    .option("--tls-cert <file>", "serve TLS with this certificate (PEM; default: $ISA_TLS_CERT)")
    .option("--tls-key <file>", "private key of --tls-cert (PEM; default: $ISA_TLS_KEY)")
    .option(
      "--tls-ca <file>",
      "CA bundle the services' own clients trust (default: $ISA_TLS_CA, else the certificate)",
    )
    .addHelpText(
      "after",
      `
Ports may be 0 (any free port). Separate processes (--only) must share the
signing secret: set ISA_JWT_SECRET, or point them at the same --data-dir.
With --only analytics or --only api, MINIO_GRPC_HOST/PORT and DUCKDB_GRPC_HOST/PORT
say where the other services are. Access-log lines go to <data dir>/logs/access.log
unless ISA_ACCESS_LOG says otherwise (stdout, off, a file). Stop with Ctrl-C.`,
    )
    .action(async (flags: StartFlags) => {
      const only = flags.only as ServiceName | undefined;
      if (only !== undefined && !SERVICE_NAMES.includes(only)) {
        throw new UsageError(
          `--only takes one of ${SERVICE_NAMES.join(", ")}, got "${flags.only}"`,
        );
      }
      // Every flag is checked before anything is created or started.
      const settings: Record<string, string> = {};
      const usage = <T>(read: () => T): T => {
        try {
          return read();
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
      };
      const host =
        flags.host === undefined
          ? undefined
          : usage(() => readHost({ "--host": flags.host }, "--host", ""));
      const bind = (variable: string, service: ServiceName) => {
        if (only === undefined || only === service) {
          settings[variable] = host ?? io.env[variable] ?? "127.0.0.1";
        }
      };
      bind("MINIO_GRPC_HOST", "storage");
      bind("DUCKDB_GRPC_HOST", "analytics");
      bind("DUCKDB_PG_HOST", "postgres");
      bind("API_HOST", "api");
      const port = (flag: string | undefined, name: string, variable: string) => {
        if (flag === undefined) return;
        usage(() => readPort({ [name]: flag }, name, 0));
        settings[variable] = flag;
      };
      port(flags.storagePort, "--storage-port", "MINIO_GRPC_PORT");
      port(flags.httpPort, "--http-port", "MINIO_HTTP_PORT");
      port(flags.analyticsPort, "--analytics-port", "DUCKDB_GRPC_PORT");
      port(flags.pgPort, "--pg-port", "DUCKDB_PG_PORT");
      port(flags.apiPort, "--api-port", "API_PORT");

      const dataDir = dataDirOf(io, flags.dataDir);
      await mkdir(dataDir, { recursive: true });
      const out = (line = "") => io.stdout.write(`${line}\n`);

      let secret = io.env.ISA_JWT_SECRET?.trim();
      let secretNote = "signing secret from ISA_JWT_SECRET";
      // The data directory's own secret is a dev secret: the console may offer one-click
      // sign-in with it (on loopback only); a configured ISA_JWT_SECRET never is.
      let devSignIn = "false";
      if (!secret) {
        const dev = await ensureDevSecret(dataDir);
        secret = dev.secret;
        secretNote = `${dev.created ? "new " : ""}signing secret in ${devSecretPath(dataDir)}`;
        devSignIn = "true";
      }
      const env: Record<string, string | undefined> = {
        ...io.env,
        ...settings,
        ISA_DATA_DIR: dataDir,
        ISA_JWT_SECRET: secret,
        API_DEV_SIGN_IN: devSignIn,
        // The services' JSON logs would bury the start-up lines: warnings and errors only.
        LOG_LEVEL: flags.logLevel ?? io.env.LOG_LEVEL ?? "warn",
      };
      const operations = startOperationsSettings(flags, io.env, dataDir);
      Object.assign(env, operations.env);
      // The services' clients in this process (the API's, analytics' to storage) read the
      // CA bundle from the process's environment, as every isa-cloud client does.
      if (operations.env.ISA_TLS_CA) process.env.ISA_TLS_CA = operations.env.ISA_TLS_CA;

      const services = only ? [only] : SERVICE_NAMES;
      out(`isa-cloud: starting ${services.join(", ")} (data in ${dataDir}; ${secretNote})`);
      const step = (service: ServiceName) =>
        `[${services.indexOf(service) + 1}/${services.length}] ${service.padEnd(9)}`;
      const onProgress = (event: StackEvent) => {
        if (event.phase === "starting") out(`${step(event.service)} starting...`);
        else {
          out(
            `${step(event.service)} ready on ${event.address} (${event.ms} ms)${event.detail ? `; ${event.detail}` : ""}`,
          );
        }
      };

      // Listening before starting: Ctrl-C during start-up still stops what has started.
      let stopRequested = false;
      const signal = untilSignal().then((received) => {
        stopRequested = true;
        return received;
      });
      let stack: Awaited<ReturnType<typeof startStack>>;
      try {
        stack = await startStack({ env, dataDir, ...(only ? { only } : {}), onProgress });
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message);
        const inUse = /EADDRINUSE[^\]]*?([\d.:[\]a-f]+:\d+)/.exec(String((err as Error).message));
        // Loaded here, not at the top: client commands never pay for the services' modules.
        const { ServiceStartError } = await import("@isa-cloud/stack");
        if (err instanceof ServiceStartError && inUse) {
          throw new UsageError(
            `${err.service} cannot listen on ${inUse[1]}: the port is taken (another \`isa start\`?); stop that, or pick another port (${PORT_OPTIONS[err.service as ServiceName]})`,
          );
        }
        throw err;
      }
      if (!stopRequested) {
        out("\nisa-cloud is ready.");
        out(
          await writeLocalProfile(io, {
            dataDir,
            ...(stack.storage ? { storage: stack.storage.address } : {}),
            ...(stack.analytics ? { analytics: stack.analytics.address } : {}),
            ...(stack.api ? { api: stack.api.url } : {}),
          }),
        );
      }
      if (stack.api && !stopRequested) {
        const token = await signToken({ secret, sub: flags.user, expiresIn: "24h" });
        out();
        out(
          `Dev token for user "${flags.user}" (valid 24 h; more with \`isa token --user <id>\`):`,
        );
        out();
        out(`  export ISA_TOKEN=${token}`);
        out();
        out("Try it:");
        out();
        out(`  ${curlExample(stack.api.url, token, operations.caFile)}`);
        out(
          `  curl -s${operations.caFile ? ` --cacert '${operations.caFile}'` : ""} '${stack.api.url}/api/v1/data/files' -H 'Authorization: Bearer ${token}'`,
        );
        out();
        out(`API docs: ${stack.api.url}/docs`);
        out(`Console: ${stack.api.url}/console/ (paste the token above to sign in)`);
      }
      if (!stopRequested) out("Stop with Ctrl-C.");

      const received = await signal;
      out(`\n${received}: stopping...`);
      await stack.close();
      out("stopped.");
    });
}
