/**
 * Orders strings by their UTF-8 bytes, the order S3 lists keys in. JavaScript's `<`
 * compares UTF-16 code units, which differs for characters above U+FFFF (surrogates,
 * 0xD800-0xDFFF) against U+E000-U+FFFF: shifting those two ranges past each other gives
 * code point order, which is UTF-8 byte order.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return shift(x) - shift(y);
  }
  return a.length - b.length;
}

function shift(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
