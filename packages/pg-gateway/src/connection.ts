import { randomInt } from "node:crypto";
import { once } from "node:events";
import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { TLSSocket } from "node:tls";
import type { DuckdbClient } from "@isa-cloud/duckdb-client";
import type { Identity } from "@isa-cloud/rpc/wire";
import {
  closeSignal,
  type DuplexStream,
  type MessageResponse,
  PostgresConnection,
  type PostgresConnectionAdapters,
} from "pg-gateway";
import type { Logger } from "pino";
import { authenticate } from "./auth.js";
import { SERVER_VERSION, SessionSettings } from "./catalog/index.js";
import { frameGuard } from "./frame-guard.js";
import {
  backendKeyData,
  errorResponse,
  MessageWriter,
  type PgError,
  parameterStatus,
} from "./protocol/backend.js";
import { ProtocolError } from "./protocol/frontend.js";
import { Session } from "./session.js";

const CANCEL_REQUEST = 80877102;
const GSSENC_REQUEST = 80877104;

/**
 * pg-gateway ends a connection when its message loop meets `closeSignal`; its own flows
 * yield it, and the loop honours it from onMessage's responses too, though the type of
 * those lists only bytes.
 */
const CLOSE = closeSignal as unknown as Uint8Array;

/** Sessions by BackendKeyData, for CancelRequest (which comes on a connection of its own). */
export type CancelRegistry = Map<number, { secret: number; session: Session }>;

export interface ConnectionDeps {
  verify: (token: string) => Promise<Identity>;
  client: DuckdbClient;
  tls?: { cert: Buffer; key: Buffer };
  maxMessageBytes: number;
  cancels: CancelRegistry;
  logger: Logger;
  nextPid: () => number;
}

/**
 * Serves one client socket: pg-gateway frames the messages and runs SSL negotiation and
 * the cleartext password exchange; the token check, the start-up parameters, cancel
 * requests and the query cycle (`Session`) are the gateway's.
 */
export function serveConnection(socket: Socket, deps: ConnectionDeps): void {
  socket.setNoDelay(true);
  let output: Duplex = socket;
  let session: Session | undefined;
  let settings: SessionSettings | undefined;
  const pid = deps.nextPid();
  const secret = randomInt(2 ** 31);

  const refuse = (error: PgError) => {
    const w = new MessageWriter();
    errorResponse(w, error);
    output.end(w.take());
    socket.destroySoon();
    deps.logger.debug({ pid, code: error.code }, error.message);
  };
  const guarded = (stream: Duplex, tls: boolean): DuplexStream<Uint8Array> => {
    const web = Duplex.toWeb(stream) as unknown as DuplexStream<Uint8Array>;
    const guard = frameGuard({ maxMessageBytes: deps.maxMessageBytes, tls, onViolation: refuse });
    return { readable: web.readable.pipeThrough(guard), writable: web.writable };
  };
  const gone = () => {
    session?.close();
    deps.cancels.delete(pid);
  };
  socket.on("error", (err) => deps.logger.debug({ pid, err: err.message }, "client socket error"));
  socket.on("end", gone);
  socket.on("close", gone);

  const adapters: PostgresConnectionAdapters = {
    // pg-gateway's Node adapter does the same; ours guards the decrypted stream as well.
    async upgradeTls(duplex, options) {
      const { key, cert } = typeof options === "function" ? await options() : options;
      const tls = new TLSSocket(Duplex.fromWeb(duplex as never), {
        isServer: true,
        key: Buffer.from(key),
        cert: Buffer.from(cert),
      });
      tls.on("error", (err) => deps.logger.debug({ pid, err: err.message }, "TLS error"));
      await once(tls, "secure");
      output = tls;
      return { duplex: guarded(tls, false), tlsInfo: {} };
    },
  };

  const connection: PostgresConnection = new PostgresConnection(
    guarded(socket, deps.tls !== undefined),
    {
      ...(deps.tls
        ? { tls: { key: arrayBuffer(deps.tls.key), cert: arrayBuffer(deps.tls.cert) } }
        : {}),
      auth: {
        method: "password",
        getClearTextPassword: () => "",
        validateCredentials: async ({ username, password }, state) => {
          const params = state.clientParams ?? { user: username };
          // Postgres' default database is the user's name.
          const database = params.database || username;
          const caller = await authenticate(username, password, database, deps);
          settings = new SessionSettings(username, params);
          session = new Session({
            client: caller.client,
            database,
            catalog: {
              settings,
              user: username,
              database,
              pid,
              version: `PostgreSQL ${SERVER_VERSION} (isa-cloud pg-gateway over DuckDB)`,
              setting: (name) => settings?.get(name),
              databases: () => callerDatabases(caller.client, caller.identity),
            },
          });
          deps.cancels.set(pid, { secret, session });
          deps.logger.info({ pid, user: username, database }, "pg session started");
          return true;
        },
      },
      // After AuthenticationOk and before ReadyForQuery, which pg-gateway writes next.
      onAuthenticated: async () => {
        const w = new MessageWriter();
        for (const [name, value] of settings!.reported()) parameterStatus(w, name, value);
        backendKeyData(w, pid, secret);
        await connection.streamWriter?.write(w.take());
      },
      onMessage: (data, state) => {
        if (!state.hasStarted) return initialMessage(data, deps.cancels);
        if (!state.isAuthenticated || !session || data[0] === 0x58 /* Terminate */)
          return undefined;
        return queryCycle(session, data);
      },
    },
    adapters,
  );
}

/** Start-up phase: CancelRequest and GSSENCRequest are ours; a garbage packet is refused. */
function initialMessage(data: Uint8Array, cancels: CancelRegistry): MessageResponse {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const code = view.readInt32BE(4);
  if (code === CANCEL_REQUEST && view.length === 16) {
    const target = cancels.get(view.readInt32BE(8));
    if (target && target.secret === view.readInt32BE(12)) target.session.cancel();
    return [CLOSE];
  }
  if (code === GSSENC_REQUEST) return Buffer.from("N");
  if (code === 80877103 || code === 196608) return undefined; // SSLRequest, protocol 3.0
  const w = new MessageWriter();
  errorResponse(w, {
    severity: "FATAL",
    code: "08P01",
    message: `unsupported frontend protocol ${code >>> 16}.${code & 0xffff}: the gateway speaks 3.0`,
  });
  return [w.take(), CLOSE];
}

async function* queryCycle(session: Session, data: Uint8Array): AsyncGenerator<Uint8Array, true> {
  try {
    return yield* session.handle(data);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    const w = new MessageWriter();
    errorResponse(w, {
      severity: "FATAL",
      code: "08P01",
      message: `invalid message: ${err.message}`,
    });
    yield w.take();
    yield CLOSE;
    return true;
  }
}

/** The databases `\l` lists: the caller's own, then their organization's (`org/<name>`). */
async function callerDatabases(client: DuckdbClient, identity: Identity): Promise<string[]> {
  const ids: string[] = [];
  const list = async (organizationId?: string) => {
    for (let page = 1; ; page++) {
      const r = await client.listDatabases({
        page,
        pageSize: 1000,
        ...(organizationId ? { organizationId } : {}),
      });
      ids.push(...r.databases.map((d) => d.databaseId));
      if (page * r.pageSize >= r.totalCount || r.databases.length === 0) return;
    }
  };
  await list();
  if (identity.orgId) await list(identity.orgId);
  return ids;
}

/** pg-gateway takes TLS material as ArrayBuffers. */
function arrayBuffer(b: Buffer): ArrayBuffer {
  return new Uint8Array(b).buffer;
}
