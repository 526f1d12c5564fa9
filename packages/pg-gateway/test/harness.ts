import { createDuckdbClient, type DuckdbClient } from "@isa-cloud/duckdb-client";
import { startTestStack, type TestStack } from "@isa-cloud/testing";
import pg from "pg";
import { type PgGatewayHandle, startPgGateway } from "../src/index.js";

/**
 * The real storage and analytics services (in this process, through @isa-cloud/testing)
 * and a gateway in front of analytics, on free loopback ports, for one test file.
 */
export interface Harness {
  stack: TestStack;
  gateway: PgGatewayHandle;
  port: number;
  token: TestStack["token"];
  /** duckdb-client acting for `user` (closed by close()). */
  analytics(user: string, org?: string): Promise<DuckdbClient>;
  /** A connected `pg` client as `user` on `database` (ended by close()). */
  connect(user: string, database: string, config?: pg.ClientConfig): Promise<pg.Client>;
  /** libpq's environment for psql / psycopg2 as `user`. */
  libpqEnv(user: string, database: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const stack = await startTestStack();
  const gateway = await startPgGateway({
    host: "127.0.0.1",
    port: 0,
    analyticsAddress: stack.analytics.address,
    auth: { hs256Secret: stack.secret },
    logLevel: "silent",
  });
  const closers: Array<() => Promise<void> | void> = [];
  return {
    stack,
    gateway,
    port: gateway.port,
    token: stack.token,
    async analytics(user, org) {
      const client = createDuckdbClient({
        address: stack.analytics.address,
        token: await stack.token(user, org ? { org } : {}),
      });
      closers.push(() => client.close());
      return client;
    },
    async connect(user, database, config = {}) {
      const client = new pg.Client({
        host: "127.0.0.1",
        port: gateway.port,
        user,
        database,
        password: await stack.token(user),
        ...config,
      });
      // A test that ends the connection itself leaves an error event behind.
      client.on("error", () => {});
      await client.connect();
      closers.push(() => client.end().catch(() => {}));
      return client;
    },
    async libpqEnv(user, database) {
      return {
        PGHOST: "127.0.0.1",
        PGPORT: String(gateway.port),
        PGUSER: user,
        PGDATABASE: database,
        PGPASSWORD: await stack.token(user),
        PGSSLMODE: "disable",
        PGCONNECT_TIMEOUT: "10",
      };
    },
    async close() {
      for (const close of closers.reverse()) await close();
      await gateway.close();
      await stack.close();
    },
  };
}
