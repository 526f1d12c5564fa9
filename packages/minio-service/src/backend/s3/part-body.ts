import { createHash, type Hash } from "node:crypto";
import { Readable } from "node:stream";

/**
 * A multipart part on its way to the store: hashes it (the part's ETag is our MD5, whatever
 * the store's is), and remembers (and signals) its failure.
 */
export class PartBody {
  error: unknown;
  private readonly hash: Hash = createHash("md5");
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;

  constructor(private readonly source: AsyncIterable<Uint8Array>) {}

  readable(): Readable {
    const stream = Readable.from(this.chunks(), { objectMode: false });
    // The failure reaches the caller through `error` and the aborted request; once the SDK
    // has given up on the stream nobody else listens, and an unheard 'error' would crash us.
    stream.on("error", () => {});
    return stream;
  }

  md5(): string {
    return this.hash.copy().digest("hex");
  }

  private async *chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of this.source) {
        this.hash.update(chunk);
        yield chunk;
      }
    } catch (err) {
      this.error = err;
      // Without this the request would wait for the rest of a body that never comes.
      this.controller.abort(err);
      throw err;
    }
  }
}
