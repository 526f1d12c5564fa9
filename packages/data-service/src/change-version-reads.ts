/** Reads in flight for one key: the one sent, and the one queued behind it. */
interface Reads<T> {
  sent: Promise<T>;
  next: Promise<T> | undefined;
}

/**
 * Shares reads of a database's change version between callers who arrive together, without
 * ever giving a caller a read sent before it arrived: such a read may predate a write that
 * was acknowledged before the caller came, and the result cache would then serve a result
 * that misses it. So a caller arriving while a read is in flight waits for the next one,
 * which all who arrive meanwhile share and which is sent as soon as the first one returns.
 * Under load that is two reads per round trip whatever the number of callers, instead of
 * one per caller (64 connections asking for one dashboard: 64 GetDatabaseInfo calls
 * become 2); alone, a caller sends its own read at once, as before.
 *
 * Keys are the caller's token and the database, so a read is only ever shared by callers
 * who would be sent the same answer with the same credentials.
 */
export class ChangeVersionReads<T> {
  readonly #reads = new Map<string, Reads<T>>();

  /** `read()`'s answer, from a read sent after this call began. */
  read(key: string, read: () => Promise<T>): Promise<T> {
    const inFlight = this.#reads.get(key);
    if (!inFlight) return this.#send(key, read);
    inFlight.next ??= inFlight.sent.then(
      () => this.#send(key, read),
      () => this.#send(key, read),
    );
    return inFlight.next;
  }

  #send(key: string, read: () => Promise<T>): Promise<T> {
    const reads: Reads<T> = { sent: read(), next: undefined };
    this.#reads.set(key, reads);
    const settled = () => {
      // The queued read, if any, has replaced this one by now or is about to: leave it.
      if (this.#reads.get(key) === reads && reads.next === undefined) this.#reads.delete(key);
    };
    reads.sent.then(settled, settled);
    return reads.sent;
  }
}
