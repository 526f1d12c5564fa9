import type { Bind } from "./protocol/frontend.js";

/**
 * Bind's positional parameters as the service's named ones: `$1` is the parameter "1"
 * (the service names positional parameters so). A value the client sent as text with no
 * declared type stays text: DuckDB casts it where the statement fixes the parameter's
 * type (`WHERE id = $1`); where it does not (`SELECT $1 + 1`) write a cast (`$1::int`),
 * as the service's own text parameters need. Declared types (Parse's OIDs) and binary
 * values of the common types become the matching JS value, so they bind as that type.
 */
export function bindParameters(
  params: Bind["params"],
  declared: readonly number[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  params.forEach((p, i) => {
    const oid = declared[i] ?? 0;
    out[String(i + 1)] =
      p.value === null ? null : p.binary ? fromBinary(p.value, oid, i) : fromText(p.value, oid);
  });
  return out;
}

/** A parameter the gateway cannot pass on: SQLSTATE 22P03 / 0A000. */
export class ParameterFormatError extends Error {
  override name = "ParameterFormatError";
  constructor(
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
  }
}

function fromText(bytes: Buffer, oid: number): unknown {
  const text = bytes.toString("utf8");
  switch (oid) {
    case 20:
    case 21:
    case 23:
      return /^\s*-?\d+\s*$/.test(text) ? BigInt(text.trim()) : text;
    case 700:
    case 701:
      return Number.isNaN(Number(text)) && !/^\s*nan\s*$/i.test(text) ? text : Number(text);
    case 16:
      return /^(t|true|y|yes|on|1)$/i.test(text.trim());
    case 17:
      return text.startsWith("\\x") ? Buffer.from(text.slice(2), "hex") : bytes;
    default:
      return text;
  }
}

function fromBinary(bytes: Buffer, oid: number, index: number): unknown {
  const fixed = (len: number) => {
    if (bytes.length !== len) {
      throw new ParameterFormatError(
        "22P03",
        `parameter $${index + 1}: binary value of ${bytes.length} bytes for a ${len}-byte type`,
      );
    }
  };
  switch (oid) {
    case 16:
      fixed(1);
      return bytes[0] !== 0;
    case 21:
      fixed(2);
      return bytes.readInt16BE(0);
    case 23:
      fixed(4);
      return bytes.readInt32BE(0);
    case 20:
      fixed(8);
      return bytes.readBigInt64BE(0);
    case 700:
      fixed(4);
      return bytes.readFloatBE(0);
    case 701:
      fixed(8);
      return bytes.readDoubleBE(0);
    case 17:
      return Buffer.from(bytes);
    case 25:
    case 1043:
    case 114:
      return bytes.toString("utf8");
    default:
      throw new ParameterFormatError(
        "0A000",
        `parameter $${index + 1}: binary format of type ${oid} is not supported; send it as text`,
      );
  }
}
