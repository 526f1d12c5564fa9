import { createHash, type Hash } from "node:crypto";
import { Readable } from "node:stream";

/**
 * A body on its way to the store: counts it, hashes it when asked (MD5 costs about 1 s of
 * CPU per GiB), and remembers (and signals) its failure.
 */
export class CountingBody {
  size = 0;
  error: unknown;
  private readonly hash: Hash | undefined;
  private readonly controller = new AbortController();
  readonly signal: AbortSignal = this.controller.signal;

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    { md5 }: { md5: boolean },
  ) {
    this.hash = md5 ? createHash("md5") : undefined;
  }

  readable(): Readable {
    const stream = Readable.from(this.chunks(), { objectMode: false });
    // The failure reaches the caller through `error` and the aborted request; once the SDK
    // has given up on the stream nobody else listens, and an unheard 'error' would crash us.
    stream.on("error", () => {});
    return stream;
  }

  md5(): string {
    if (!this.hash) throw new Error("this body was not hashed; construct it with md5: true");
    return this.hash.copy().digest("hex");
  }

  private async *chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of this.source) {
        this.size += chunk.byteLength;
        this.hash?.update(chunk);
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
