/**
 * Frontend (client to server) messages of the query cycle, decoded from the whole
 * messages pg-gateway hands over (type byte, length, body).
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export class MessageReader {
  #pos = 5;
  readonly #buf: Buffer;

  constructor(message: Uint8Array) {
    this.#buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length)
      throw new ProtocolError("message is shorter than its fields");
  }

  int16(): number {
    this.#need(2);
    const n = this.#buf.readInt16BE(this.#pos);
    this.#pos += 2;
    return n;
  }

  int32(): number {
    this.#need(4);
    const n = this.#buf.readInt32BE(this.#pos);
    this.#pos += 4;
    return n;
  }

  byte(): number {
    this.#need(1);
    return this.#buf[this.#pos++]!;
  }

  cstring(): string {
    const end = this.#buf.indexOf(0, this.#pos);
    if (end < 0) throw new ProtocolError("a string is not terminated");
    const s = this.#buf.toString("utf8", this.#pos, end);
    this.#pos = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.#need(n);
    const b = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return b;
  }
}

/** A malformed message: answered with SQLSTATE 08P01 and the connection is closed. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

export interface Parse {
  statement: string;
  sql: string;
  /** Parameter type OIDs the client declared; 0 = unspecified. */
  paramTypes: number[];
}

export function readParse(m: Uint8Array): Parse {
  const r = new MessageReader(m);
  const statement = r.cstring();
  const sql = r.cstring();
  const n = r.int16();
  const paramTypes: number[] = [];
  for (let i = 0; i < n; i++) paramTypes.push(r.int32());
  return { statement, sql, paramTypes };
}

export interface Bind {
  portal: string;
  statement: string;
  /** Each parameter's bytes (null for NULL) and whether they are binary. */
  params: Array<{ value: Buffer | null; binary: boolean }>;
  /** Result formats the client asks for: none = all text, one = for all, else per column. */
  resultFormats: number[];
}

export function readBind(m: Uint8Array): Bind {
  const r = new MessageReader(m);
  const portal = r.cstring();
  const statement = r.cstring();
  const formats: number[] = [];
  for (let i = 0, n = r.int16(); i < n; i++) formats.push(r.int16());
  const params: Bind["params"] = [];
  for (let i = 0, n = r.int16(); i < n; i++) {
    const len = r.int32();
    const binary = (formats.length === 1 ? formats[0] : formats[i]) === 1;
    params.push({ value: len < 0 ? null : r.bytes(len), binary });
  }
  const resultFormats: number[] = [];
  for (let i = 0, n = r.int16(); i < n; i++) resultFormats.push(r.int16());
  return { portal, statement, params, resultFormats };
}

/** Describe and Close: 'S' (statement) or 'P' (portal), and its name. */
export function readTarget(m: Uint8Array): { kind: "S" | "P"; name: string } {
  const r = new MessageReader(m);
  const kind = String.fromCharCode(r.byte());
  if (kind !== "S" && kind !== "P")
    throw new ProtocolError(`unknown Describe/Close target "${kind}"`);
  return { kind, name: r.cstring() };
}

export function readExecute(m: Uint8Array): { portal: string; maxRows: number } {
  const r = new MessageReader(m);
  return { portal: r.cstring(), maxRows: r.int32() };
}

export function readQuery(m: Uint8Array): string {
  return new MessageReader(m).cstring();
}
