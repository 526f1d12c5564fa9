import {
  type ChannelCredentials,
  type ChannelInterface,
  type ChannelOptions,
  connectivityState,
  type Deadline,
  type InterceptingListener,
} from "@grpc/grpc-js";
import { createChannel } from "nice-grpc";

type Call = ReturnType<ChannelInterface["createCall"]>;
type ChannelRef = ReturnType<ChannelInterface["getChannelzRef"]>;

/** How the pool picks a channel for each call (each retry attempt picks anew). */
export type BalanceStrategy = "round-robin" | "least-busy";

export interface ChannelPoolOptions {
  /** "host:port" (or "https://host:port" for TLS), one or several. */
  addresses: string[];
  /** Channels, each with its own TCP connection, per address. Default 1. */
  poolSize?: number;
  /**
   * "round-robin" (default) takes the channels in turn; "least-busy" takes the one with
   * the fewest calls in flight, which helps when call durations vary a lot.
   */
  balance?: BalanceStrategy;
  /** grpc-js channel options, applied to every channel over the pool's defaults. */
  channelOptions?: ChannelOptions;
  /**
   * Credentials of every channel but those of "http://" addresses, which stay plaintext.
   * Default: insecure for "host:port" and "http://", TLS with the system's roots for
   * "https://".
   */
  credentials?: ChannelCredentials;
}

/** One pooled channel, as `stats()` reports it. */
export interface PooledChannelStats {
  address: string;
  inFlight: number;
  state: "IDLE" | "CONNECTING" | "READY" | "TRANSIENT_FAILURE" | "SHUTDOWN";
}

/** A grpc-js channel that spreads calls over several channels; hand it to nice-grpc. */
export interface ChannelPool extends ChannelInterface {
  stats(): PooledChannelStats[];
}

/**
 * Keepalive pings find a dead connection (a restarted server, a dropped NAT entry) in
 * about 40 s instead of the kernel's TCP timeout; only while calls are in flight, since
 * servers other than ours may GOAWAY clients that ping idle connections.
 */
export const defaultPoolChannelOptions: ChannelOptions = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
};

interface Entry {
  address: string;
  channel: ChannelInterface;
  inFlight: number;
}

const stateNames = ["IDLE", "CONNECTING", "READY", "TRANSIENT_FAILURE", "SHUTDOWN"] as const;

/**
 * Opens `poolSize` channels per address. grpc-js normally shares one connection (subchannel)
 * between channels with identical target and options, which would make a pool of N one
 * connection; `grpc.use_local_subchannel_pool` gives each channel its own.
 */
export function createChannelPool(opts: ChannelPoolOptions): ChannelPool {
  const poolSize = opts.poolSize ?? 1;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new Error(`poolSize must be a whole number of at least 1, got ${poolSize}`);
  }
  if (opts.addresses.length === 0) throw new Error("the channel pool needs at least one address");
  const balance = opts.balance ?? "round-robin";
  if (balance !== "round-robin" && balance !== "least-busy") {
    throw new Error(
      `balance must be "round-robin" or "least-busy", got ${JSON.stringify(balance)}`,
    );
  }
  const channelOptions: ChannelOptions = {
    ...defaultPoolChannelOptions,
    ...opts.channelOptions,
    "grpc.use_local_subchannel_pool": 1,
  };

  const entries: Entry[] = [];
  for (let i = 0; i < poolSize; i++) {
    for (const address of opts.addresses) {
      entries.push({
        address,
        channel: createChannel(
          address,
          address.startsWith("http://") ? undefined : opts.credentials,
          channelOptions,
        ),
        inFlight: 0,
      });
    }
  }

  let turn = 0;
  const usable = (entry: Entry) => {
    const state = entry.channel.getConnectivityState(false);
    return state !== connectivityState.TRANSIENT_FAILURE && state !== connectivityState.SHUTDOWN;
  };

  function pick(): Entry {
    const start = turn++ % entries.length;
    let best: Entry | undefined;
    let fallback: Entry | undefined;
    // A channel in TRANSIENT_FAILURE is skipped while another one can take the call, so a
    // down address of several costs no failed attempts; when all are down, any will do.
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[(start + i) % entries.length]!;
      fallback ??= entry;
      if (!usable(entry)) continue;
      if (balance === "round-robin") return entry;
      if (best === undefined || entry.inFlight < best.inFlight) best = entry;
    }
    return (best ?? fallback)!;
  }

  function aggregateState(): (typeof connectivityState)[keyof typeof connectivityState] {
    const states = entries.map((e) => e.channel.getConnectivityState(false));
    for (const state of [
      connectivityState.READY,
      connectivityState.CONNECTING,
      connectivityState.IDLE,
      connectivityState.TRANSIENT_FAILURE,
    ]) {
      if (states.includes(state)) return state;
    }
    return connectivityState.SHUTDOWN;
  }

  return {
    close() {
      for (const entry of entries) entry.channel.close();
    },
    getTarget() {
      return entries.map((e) => e.channel.getTarget()).join(",");
    },
    getConnectivityState(tryToConnect: boolean) {
      if (tryToConnect) for (const entry of entries) entry.channel.getConnectivityState(true);
      return aggregateState();
    },
    watchConnectivityState(current, deadline: Date | number, callback: (error?: Error) => void) {
      let done = false;
      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        callback(error);
      };
      if (aggregateState() !== current) {
        process.nextTick(finish);
        return;
      }
      const watch = (entry: Entry) => {
        const state = entry.channel.getConnectivityState(false);
        entry.channel.watchConnectivityState(state, deadline, (error) => {
          if (done) return;
          if (error) finish(error);
          else if (aggregateState() !== current) finish();
          else watch(entry);
        });
      };
      for (const entry of entries) watch(entry);
    },
    getChannelzRef(): ChannelRef {
      return entries[0]!.channel.getChannelzRef();
    },
    createCall(method: string, deadline: Deadline, host, parentCall, propagateFlags): Call {
      const entry = pick();
      entry.inFlight++;
      return new TrackedCall(
        entry.channel.createCall(method, deadline, host, parentCall, propagateFlags),
        entry,
      );
    },
    stats() {
      return entries.map((e) => ({
        address: e.address,
        inFlight: e.inFlight,
        state: stateNames[e.channel.getConnectivityState(false)] ?? "SHUTDOWN",
      }));
    },
  };
}

/**
 * The same call, taking its pool entry's in-flight count down once when its status arrives
 * (however it ends). One object per call that is its own listener too: no closures.
 */
class TrackedCall implements Call, InterceptingListener {
  readonly #call: Call;
  readonly #entry: Entry;
  #released = false;
  #started = false;
  #listener: InterceptingListener | undefined;

  constructor(call: Call, entry: Entry) {
    this.#call = call;
    this.#entry = entry;
  }

  #release() {
    if (!this.#released) {
      this.#released = true;
      this.#entry.inFlight--;
    }
  }

  start(metadata: Parameters<Call["start"]>[0], listener: InterceptingListener) {
    this.#started = true;
    this.#listener = listener;
    this.#call.start(metadata, this);
  }

  // The listener side: what the channel's call reports, handed on to grpc-js's listener.
  onReceiveMetadata(metadata: Parameters<InterceptingListener["onReceiveMetadata"]>[0]) {
    this.#listener!.onReceiveMetadata(metadata);
  }

  onReceiveMessage(message: unknown) {
    this.#listener!.onReceiveMessage(message);
  }

  onReceiveStatus(status: Parameters<InterceptingListener["onReceiveStatus"]>[0]) {
    this.#release();
    this.#listener!.onReceiveStatus(status);
  }

  cancelWithStatus(status: Parameters<Call["cancelWithStatus"]>[0], details: string) {
    // Cancelled before start: no status will ever arrive to release the slot.
    if (!this.#started) this.#release();
    this.#call.cancelWithStatus(status, details);
  }

  getPeer() {
    return this.#call.getPeer();
  }

  sendMessageWithContext(context: Parameters<Call["sendMessageWithContext"]>[0], message: Buffer) {
    this.#call.sendMessageWithContext(context, message);
  }

  startRead() {
    this.#call.startRead();
  }

  halfClose() {
    this.#call.halfClose();
  }

  getCallNumber() {
    return this.#call.getCallNumber();
  }

  setCredentials(credentials: Parameters<Call["setCredentials"]>[0]) {
    this.#call.setCredentials(credentials);
  }

  getAuthContext() {
    return this.#call.getAuthContext();
  }
}
