// Ids and key segments become file and path names. The escaping keeps `a-z 0-9 . _ -`,
// writes an upper-case letter as `^` + its lower-case form, and every other UTF-8 byte as
// `%xx` in lower-case hex. Each token starts with a character no other token starts with,
// so decoding is unambiguous (the map is injective), and the output is lower-case only, so
// a case-insensitive filesystem cannot merge two names either.

/**
 * The most bytes one segment of a physical name may take: most filesystems cap a name at
 * 255 bytes, and so do S3 stores that keep keys as files (MinIO, s3rver).
 */
export const MAX_SEGMENT_BYTES = 255;

const PLAIN = /^[a-z0-9._-]*$/;
const HEX = "0123456789abcdef";

/** Escapes any string into a portable, injective file name fragment. */
export function escapeName(value: string): string {
  if (PLAIN.test(value)) return value;
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    if (
      (byte >= 0x61 && byte <= 0x7a) || // a-z
      (byte >= 0x30 && byte <= 0x39) || // 0-9
      byte === 0x2e || // .
      byte === 0x5f || // _
      byte === 0x2d // -
    ) {
      out += String.fromCharCode(byte);
    } else if (byte >= 0x41 && byte <= 0x5a) {
      out += `^${String.fromCharCode(byte + 0x20)}`;
    } else {
      out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
    }
  }
  return out;
}

/** The inverse of `escapeName`; undefined for a string `escapeName` never produces. */
export function unescapeName(name: string): string | undefined {
  if (PLAIN.test(name)) return name;
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x5e) {
      const next = name.charCodeAt(i + 1);
      if (!(next >= 0x61 && next <= 0x7a)) return undefined;
      bytes.push(next - 0x20);
      i++;
    } else if (c === 0x25) {
      const hex = name.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (PLAIN.test(name[i] as string)) {
      bytes.push(c);
    } else {
      return undefined;
    }
  }
  const text = Buffer.from(bytes).toString("utf8");
  // Reject names that are not the canonical escape of anything (e.g. "%41" for "A").
  return escapeName(text) === name ? text : undefined;
}

/**
 * `escapeName` for a whole path segment naming a tenant: `.` and `..` would mean the
 * directory itself or its parent, so those two are escaped completely.
 */
export function escapeSegment(value: string): string {
  const escaped = escapeName(value);
  if (escaped === ".") return "%2e";
  if (escaped === "..") return "%2e%2e";
  return escaped;
}
