import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MinioClient } from "@isa-cloud/minio-client";
import { type MinioServiceHandle, startMinioService } from "@isa-cloud/minio-service";
import { DuckDBServiceDefinition, type duckdb } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { type Channel, type Client, createChannel, createClient, Metadata } from "nice-grpc";
import { pino } from "pino";
import {
  type DuckdbServiceConfig,
  type DuckdbServiceHandle,
  startDuckdbService,
  systemTokenSigner,
} from "../src/index.js";

export const SECRET = "duckdb-service-test-secret";

export type DuckdbClient = Client<typeof DuckDBServiceDefinition>;

/** A real storage service (filesystem backend) and a real analytics service, on ephemeral ports. */
export class Stack {
  dir = "";
  storage!: MinioServiceHandle;
  service!: DuckdbServiceHandle;
  private channels: Channel[] = [];
  private stores: MinioClient[] = [];

  static async start(overrides: Partial<DuckdbServiceConfig> = {}): Promise<Stack> {
    const stack = new Stack();
    stack.dir = await mkdtemp(join(tmpdir(), "duckdb-service-"));
    stack.storage = await startMinioService({
      host: "127.0.0.1",
      port: 0,
      httpPort: 0,
      backend: { kind: "fs", root: join(stack.dir, "objects") },
      auth: { hs256Secret: SECRET },
      presignSecret: "presign-test-secret",
      maxMessageBytes: 8 * 1024 * 1024,
      logLevel: "silent",
    });
    await stack.startService(overrides);
    return stack;
  }

  /** (Re)starts the analytics service over the same storage and data directory. */
  async startService(overrides: Partial<DuckdbServiceConfig> = {}): Promise<void> {
    this.service = await startDuckdbService({
      host: "127.0.0.1",
      port: 0,
      cacheDir: join(this.dir, "duckdb"),
      storage: {
        address: `127.0.0.1:${this.storage.port}`,
        systemToken: systemTokenSigner(SECRET),
      },
      auth: { hs256Secret: SECRET },
      maxOpenDatabases: 16,
      checkpointIntervalMs: 3_600_000,
      logger: pino({ level: "silent" }),
      ...overrides,
    });
  }

  get cacheDir(): string {
    return join(this.dir, "duckdb");
  }

  /** A client of the analytics service calling as `user` (and `org`). */
  async client(user: string, org?: string): Promise<DuckdbClient> {
    const token = await signToken({ secret: SECRET, sub: user, ...(org ? { org } : {}) });
    return this.clientWithToken(token);
  }

  clientWithToken(token: string | undefined): DuckdbClient {
    const channel = createChannel(`127.0.0.1:${this.service.port}`);
    this.channels.push(channel);
    const metadata = token ? Metadata({ authorization: `Bearer ${token}` }) : Metadata();
    return createClient(DuckDBServiceDefinition, channel, { "*": { metadata } });
  }

  /** A storage client calling as `user` (and `org`), to put and check the objects users own. */
  async store(user: string, org?: string): Promise<MinioClient> {
    const token = await signToken({ secret: SECRET, sub: user, ...(org ? { org } : {}) });
    const store = new MinioClient({ address: `127.0.0.1:${this.storage.port}`, token });
    this.stores.push(store);
    return store;
  }

  async systemStore(): Promise<MinioClient> {
    const store = new MinioClient({
      address: `127.0.0.1:${this.storage.port}`,
      token: systemTokenSigner(SECRET),
    });
    this.stores.push(store);
    return store;
  }

  async stop(): Promise<void> {
    for (const channel of this.channels) channel.close();
    for (const store of this.stores) store.close();
    await this.service?.close();
    await this.storage?.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export const v = {
  s: (value: string): duckdb.Value => ({ kind: { $case: "stringValue", value } }),
  i: (value: bigint): duckdb.Value => ({ kind: { $case: "intValue", value } }),
  d: (value: number): duckdb.Value => ({ kind: { $case: "doubleValue", value } }),
  b: (value: boolean): duckdb.Value => ({ kind: { $case: "boolValue", value } }),
  null: { kind: { $case: "nullValue", value: 0 } } as duckdb.Value,
};

/** The plain JS view of a Value, for readable assertions. */
export function plain(value: duckdb.Value | undefined): unknown {
  const kind = value?.kind;
  if (!kind) return undefined;
  switch (kind.$case) {
    case "nullValue":
      return null;
    case "listValue":
      return kind.value.values.map(plain);
    case "recordValue":
      return Object.fromEntries(kind.value.names.map((n, i) => [n, plain(kind.value.values[i])]));
    case "mapValue":
      return kind.value.keys.map((k, i) => [plain(k), plain(kind.value.values[i])]);
    case "bytesValue":
      return [...kind.value];
    default:
      return kind.value;
  }
}

export function rowsOf(response: { rows: duckdb.Row[] }): unknown[][] {
  return response.rows.map((r) => r.values.map(plain));
}
