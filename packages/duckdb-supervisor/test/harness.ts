import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { type MinioServiceHandle, startMinioService } from "@isa-cloud/minio-service";
import { DuckDBServiceDefinition, duckdb } from "@isa-cloud/proto";
import { signToken } from "@isa-cloud/rpc-server";
import { type Channel, type Client, createChannel, createClient, Metadata } from "nice-grpc";
import { pino } from "pino";
import {
  type DuckdbSupervisorConfig,
  type DuckdbSupervisorHandle,
  startDuckdbSupervisor,
} from "../src/index.js";

export const SECRET = "duckdb-supervisor-test-secret";

export type DuckdbClient = Client<typeof DuckDBServiceDefinition>;

/** Worker log lines kept in memory: the tests read kills and restarts from the handle. */
export class LogSink extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...chunk.toString().split("\n").filter(Boolean));
    done();
  }
}

/**
 * A real storage service in this process and a real supervisor whose workers are real
 * duckdb-service processes, on ephemeral ports, under one temp directory.
 */
export class Stack {
  dir = "";
  storage!: MinioServiceHandle;
  supervisor!: DuckdbSupervisorHandle;
  workerLog = new LogSink();
  private channels: Channel[] = [];

  static async start(overrides: Partial<DuckdbSupervisorConfig> = {}): Promise<Stack> {
    const stack = new Stack();
    stack.dir = await mkdtemp(join(tmpdir(), "duckdb-supervisor-"));
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
    stack.supervisor = await startDuckdbSupervisor({
      host: "127.0.0.1",
      port: 0,
      cacheDir: join(stack.dir, "duckdb"),
      workers: 2,
      workerMemoryMiB: 1024,
      graceMs: 1500,
      queryTimeoutMs: 300_000,
      maxQueryTimeoutMs: 3_600_000,
      workerThreadpoolSize: 16,
      maxMessageBytes: 8 * 1024 * 1024,
      workerEnv: {
        PATH: process.env.PATH,
        ISA_JWT_SECRET: SECRET,
        MINIO_GRPC_HOST: "127.0.0.1",
        MINIO_GRPC_PORT: String(stack.storage.port),
        DUCKDB_CHECKPOINT_INTERVAL_SECONDS: "3600",
        DUCKDB_MAX_OPEN_DATABASES: "4",
        DUCKDB_TOTAL_THREADS: "2",
        LOG_LEVEL: "warn",
      },
      workerLog: stack.workerLog,
      logger: pino({ level: "silent" }),
      ...overrides,
    });
    return stack;
  }

  async token(user: string, org?: string): Promise<string> {
    return signToken({ secret: SECRET, sub: user, ...(org ? { org } : {}) });
  }

  /** A client of `port` (the front by default) calling as `user` (and `org`). */
  async client(user: string, org?: string, port = this.supervisor.port): Promise<DuckdbClient> {
    return this.clientWithToken(await this.token(user, org), port);
  }

  clientWithToken(token: string | undefined, port = this.supervisor.port): DuckdbClient {
    const channel = createChannel(`127.0.0.1:${port}`);
    this.channels.push(channel);
    const metadata = token ? Metadata({ authorization: `Bearer ${token}` }) : Metadata();
    return createClient(DuckDBServiceDefinition, channel, { "*": { metadata } });
  }

  /**
   * ExecuteQuery over plain grpc-js with a real gRPC deadline (the `grpc-timeout` header),
   * which nice-grpc's base client does not send; resolves to the status code.
   */
  async queryWithDeadline(
    user: string,
    request: Partial<duckdb.ExecuteQueryRequest>,
    deadlineMs: number,
  ): Promise<grpc.status> {
    const client = new grpc.Client(
      `127.0.0.1:${this.supervisor.port}`,
      grpc.credentials.createInsecure(),
    );
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${await this.token(user)}`);
    try {
      return await new Promise<grpc.status>((resolve) => {
        client.makeUnaryRequest(
          "/isa.duckdb.DuckDBService/ExecuteQuery",
          (r: duckdb.ExecuteQueryRequest) =>
            Buffer.from(duckdb.ExecuteQueryRequest.encode(r).finish()),
          (b: Buffer) => duckdb.ExecuteQueryResponse.decode(b),
          duckdb.ExecuteQueryRequest.fromPartial(request),
          metadata,
          { deadline: Date.now() + deadlineMs },
          (err) => resolve(err ? err.code : grpc.status.OK),
        );
      });
    } finally {
      client.close();
    }
  }

  /** The worker index `owner` ("user:<id>", "org:<id>") was assigned, from the map's file. */
  async workerOf(owner: string): Promise<number> {
    const text = await readFile(join(this.dir, "duckdb", "workers", "owners.jsonl"), "utf8");
    const entry = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { owner: string; worker: number })
      .findLast((e) => e.owner === owner);
    if (!entry) throw new Error(`${owner} has no worker`);
    return entry.worker;
  }

  /** The worker process serving `user`'s databases, by pid. */
  workerPids(): Array<number | undefined> {
    return this.supervisor.stats().workers.map((w) => w.pid);
  }

  async stop(): Promise<void> {
    for (const channel of this.channels) channel.close();
    await this.supervisor?.close();
    await this.storage?.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
