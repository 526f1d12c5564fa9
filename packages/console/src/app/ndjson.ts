/**
 * Splits a byte stream of newline-delimited JSON (application/x-ndjson) into parsed
 * values, yielding them in batches (one per network chunk) so a caller can render as
 * rows arrive. Lines may span chunks and multi-byte characters may be split anywhere.
 * A last line without its newline is still parsed: the API ends every line, but a
 * stream cut short by a failure is reported by the fetch itself, not here.
 */
export async function* ndjsonBatches(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<unknown[], void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
      const end = done ? pending.length : pending.lastIndexOf("\n");
      if (end > 0) {
        const batch: unknown[] = [];
        for (const line of pending.slice(0, end).split("\n")) {
          if (line.trim() !== "") batch.push(JSON.parse(line));
        }
        pending = pending.slice(end + 1);
        if (batch.length > 0) yield batch;
      }
      if (done) return;
    }
  } finally {
    // Stopping early (cancel, row cap) releases the connection.
    await reader.cancel().catch(() => {});
  }
}
