import { createHash } from "node:crypto";
import { Readable } from "node:stream";

/** A body on its way to the store: counts and hashes it, and remembers (and signals) its failure. */
export class CountingBody {
  size = 0;
  error: unknown;
  private readonly hash = createHash("md5");
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
        this.size += chunk.byteLength;
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
