import { BackendError } from "pg-gateway";

/**
 * Backend (server to client) messages, written into one growing buffer so that a batch of
 * DataRows goes to the socket as one write. pg-gateway frames what the client sends and
 * runs the start-up; the messages of the query cycle are ours, encoded here.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
export class MessageWriter {
  #buf = Buffer.allocUnsafe(64 * 1024);
  #len = 0;
  #start = -1;

  get length(): number {
    return this.#len;
  }

  #ensure(more: number): void {
    if (this.#len + more <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + more) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  begin(code: string): this {
    this.#ensure(5);
    this.#buf[this.#len] = code.charCodeAt(0);
    this.#start = this.#len + 1;
    this.#len += 5;
    return this;
  }

  end(): this {
    this.#buf.writeInt32BE(this.#len - this.#start, this.#start);
    return this;
  }

  int16(n: number): this {
    this.#ensure(2);
    this.#buf.writeInt16BE(n, this.#len);
    this.#len += 2;
    return this;
  }

  int32(n: number): this {
    this.#ensure(4);
    this.#buf.writeInt32BE(n, this.#len);
    this.#len += 4;
    return this;
  }

  byte(n: number): this {
    this.#ensure(1);
    this.#buf[this.#len++] = n;
    return this;
  }

  cstring(s: string): this {
    this.#ensure(Buffer.byteLength(s) + 1);
    this.#len += this.#buf.write(s, this.#len);
    this.#buf[this.#len++] = 0;
    return this;
  }

  /** A length-prefixed value (a DataRow cell or a parameter): -1 for NULL. */
  value(text: string | null): this {
    if (text === null) return this.int32(-1);
    const bytes = Buffer.byteLength(text);
    this.#ensure(bytes + 4);
    this.#buf.writeInt32BE(bytes, this.#len);
    this.#len += 4;
    this.#len += this.#buf.write(text, this.#len);
    return this;
  }

  bytes(data: Uint8Array): this {
    this.#ensure(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
    return this;
  }

  /** The bytes written so far, as a copy, and an empty writer. */
  take(): Uint8Array {
    const out = Buffer.from(this.#buf.subarray(0, this.#len));
    this.#len = 0;
    return out;
  }
}

/** One column of a RowDescription. */
export interface FieldDescription {
  name: string;
  oid: number;
  typlen: number;
  typmod: number;
}

export function rowDescription(w: MessageWriter, fields: readonly FieldDescription[]): void {
  w.begin("T").int16(fields.length);
  for (const f of fields) {
    // table oid 0 and attribute 0: results are not traced back to a table's column.
    w.cstring(f.name).int32(0).int16(0).int32(f.oid).int16(f.typlen).int32(f.typmod).int16(0);
  }
  w.end();
}

export function dataRow(w: MessageWriter, cells: readonly (string | null)[]): void {
  w.begin("D").int16(cells.length);
  for (const cell of cells) w.value(cell);
  w.end();
}

export function commandComplete(w: MessageWriter, tag: string): void {
  w.begin("C").cstring(tag).end();
}

export function readyForQuery(w: MessageWriter, status: "I" | "T" | "E"): void {
  w.begin("Z").byte(status.charCodeAt(0)).end();
}

export function parameterStatus(w: MessageWriter, name: string, value: string): void {
  w.begin("S").cstring(name).cstring(value).end();
}

export function backendKeyData(w: MessageWriter, pid: number, secret: number): void {
  w.begin("K").int32(pid).int32(secret).end();
}

export function parameterDescription(w: MessageWriter, oids: readonly number[]): void {
  w.begin("t").int16(oids.length);
  for (const oid of oids) w.int32(oid);
  w.end();
}

/** Messages with no body: ParseComplete, BindComplete, CloseComplete, NoData, EmptyQueryResponse, PortalSuspended. */
export function empty(w: MessageWriter, code: "1" | "2" | "3" | "n" | "I" | "s"): void {
  w.begin(code).end();
}

/**
 * An ErrorResponse, encoded by pg-gateway's BackendError (the one it writes for failures in
 * its own start-up flow), so that both paths send the same fields.
 */
export function errorResponse(w: MessageWriter, e: PgError): void {
  w.bytes(BackendError.create(e).flush());
}

export interface PgError {
  severity: "ERROR" | "FATAL";
  /** SQLSTATE, e.g. "42P01". */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}
