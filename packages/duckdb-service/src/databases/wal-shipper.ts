import { createReadStream } from "node:fs";
import type { MinioClient } from "@isa-cloud/minio-client";
import {
  type DatabaseRef,
  type GenerationStore,
  generationKeys,
  type Pointer,
} from "./generations.js";
import { fileSize } from "./local-cache.js";

export interface WalShipperOptions {
  ref: DatabaseRef;
  /** The database's `.wal` file. */
  walPath: string;
  store: MinioClient;
  bucket: string;
  generations: GenerationStore;
}

/**
 * Keeps an open database's generation pointer and, in multi-node mode, makes its writes
 * durable in object storage before they are acknowledged: after a write commits, the WAL
 * bytes past the last shipped offset go up as the next segment of the current generation
 * (`gen-<g>-<writer>/wal-<seq>`) and the pointer's segment count moves by the same fenced
 * compare-and-swap as a checkpoint. One upload runs at a time (group commit): writes that
 * finish while one is in flight wait for the next, which carries all their bytes.
 *
 * The WAL only grows between the service's checkpoints (DuckDB's own are off), so the
 * segments concatenated are the WAL byte for byte. A segment may end inside an entry
 * another connection was writing; the next segment holds the rest, and a replay that ends
 * there drops the torn entry, as after a crash: its write was never acknowledged.
 */
export class WalShipper {
  /** The generation as this process last moved its pointer; undefined before the first. */
  pointer: Pointer | undefined;
  /** Bytes of the local WAL that are in object storage. */
  private shipped: number;
  /** Settles when the checkpoint that started the current generation has moved the pointer. */
  private landing: Promise<void> = Promise.resolve();
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly opts: WalShipperOptions,
    pointer: Pointer | undefined,
  ) {
    this.pointer = pointer;
    this.shipped = pointer?.generation.walBytes ?? 0;
  }

  /** Resolves once every WAL byte written before the call is in object storage. */
  sync(): Promise<void> {
    if (!this.opts.generations.shipsWal) return Promise.resolve();
    if (!this.running) {
      this.running = this.round().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.sync();
      });
    return this.queued;
  }

  /**
   * Call with no statement running, right after CHECKPOINT emptied the WAL: writes from
   * now on belong to the generation being uploaded and are acknowledged once it lands.
   * Returns how to settle it: with the moved pointer, or with the error that stopped it
   * (writes then fail until a later checkpoint lands, which carries their bytes).
   */
  async beginGeneration(): Promise<(outcome: Pointer | Error) => void> {
    await Promise.allSettled([this.running, this.queued]);
    this.shipped = 0;
    let settle!: (outcome: Pointer | Error) => void;
    this.landing = new Promise<void>((resolve, reject) => {
      settle = (outcome) => {
        if (outcome instanceof Error) return reject(outcome);
        this.pointer = outcome;
        resolve();
      };
    });
    // Rounds report it; a generation no write waits for must not be an unhandled rejection.
    this.landing.catch(() => {});
    return settle;
  }

  private async round(): Promise<void> {
    await this.landing;
    const { ref, walPath, store, bucket, generations } = this.opts;
    const size = (await fileSize(walPath)) ?? 0;
    const pointer = this.pointer;
    if (size <= this.shipped) return;
    if (!pointer) throw new Error("a shipped database always has a generation");
    const { generation } = pointer;
    await store.putObject(
      bucket,
      generationKeys.segment(ref, generation, generation.segments),
      createReadStream(walPath, { start: this.shipped, end: size - 1 }),
      { contentType: "application/octet-stream" },
    );
    this.pointer = await generations.swap(ref, pointer, {
      ...generation,
      segments: generation.segments + 1,
      walBytes: generation.walBytes + (size - this.shipped),
    });
    this.shipped = size;
  }
}
