/**
 * A DuckDB type name (as the service sends it in `column_types`) parsed into a tree.
 * The client needs the tree because a `Value` alone does not say whether an
 * `int_value` is a 32-bit INTEGER (a JS number) or a BIGINT (a bigint), nor which
 * field types a STRUCT or the elements of a LIST carry.
 */
export type DuckdbType =
  | { kind: "scalar"; name: string }
  | { kind: "decimal"; width: number; scale: number }
  | { kind: "enum"; values: string[] }
  | { kind: "list"; element: DuckdbType; size?: number }
  | { kind: "struct"; fields: DuckdbField[] }
  | { kind: "union"; members: DuckdbField[] }
  | { kind: "map"; key: DuckdbType; value: DuckdbType };

export interface DuckdbField {
  name: string;
  type: DuckdbType;
}

// Spellings DuckDB accepts (and prints: @duckdb/node-api says "TIMESTAMP WITH TIME
// ZONE", DuckDB's own LogicalType::ToString says "TIMESTAMP WITH TIME ZONE" too,
// information_schema and typeof() may say others) folded into one canonical name.
const ALIASES: Record<string, string> = {
  BOOL: "BOOLEAN",
  LOGICAL: "BOOLEAN",
  INT1: "TINYINT",
  INT2: "SMALLINT",
  SHORT: "SMALLINT",
  INT: "INTEGER",
  INT4: "INTEGER",
  SIGNED: "INTEGER",
  INT8: "BIGINT",
  LONG: "BIGINT",
  INT128: "HUGEINT",
  UINT8: "UTINYINT",
  UINT16: "USMALLINT",
  UINT32: "UINTEGER",
  UINT64: "UBIGINT",
  UINT128: "UHUGEINT",
  VARINT: "BIGNUM",
  REAL: "FLOAT",
  FLOAT4: "FLOAT",
  FLOAT8: "DOUBLE",
  "DOUBLE PRECISION": "DOUBLE",
  NUMERIC: "DECIMAL",
  TEXT: "VARCHAR",
  STRING: "VARCHAR",
  CHAR: "VARCHAR",
  BPCHAR: "VARCHAR",
  NVARCHAR: "VARCHAR",
  BYTEA: "BLOB",
  BINARY: "BLOB",
  VARBINARY: "BLOB",
  BITSTRING: "BIT",
  DATETIME: "TIMESTAMP",
  "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
  TIMESTAMPTZ: "TIMESTAMP_TZ",
  "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_TZ",
  TIMETZ: "TIME_TZ",
  "TIME WITH TIME ZONE": "TIME_TZ",
  "TIME WITHOUT TIME ZONE": "TIME",
  NULL: "SQLNULL",
};

/** Parses a DuckDB type name; names it does not know become scalars of that name. */
export function parseDuckdbType(text: string): DuckdbType {
  const parser = new TypeParser(text);
  const type = parser.parseType();
  parser.skipSpace();
  if (!parser.atEnd()) {
    throw new SyntaxError(`unexpected text at ${parser.pos} in DuckDB type "${text}"`);
  }
  return type;
}

class TypeParser {
  pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) {
      throw new SyntaxError(`expected "${ch}" at ${this.pos} in DuckDB type "${this.text}"`);
    }
    this.pos++;
  }

  private word(): string {
    this.skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!match) {
      throw new SyntaxError(`expected a type name at ${this.pos} in DuckDB type "${this.text}"`);
    }
    this.pos += match[0].length;
    return match[0];
  }

  /** A field name: bare, or double-quoted with "" for a quote. */
  private identifier(): string {
    if (this.peek() !== '"') return this.word();
    return this.quoted('"');
  }

  private quoted(quote: string): string {
    this.expect(quote);
    let out = "";
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos++]!;
      if (ch !== quote) {
        out += ch;
      } else if (this.text[this.pos] === quote) {
        out += quote;
        this.pos++;
      } else {
        return out;
      }
    }
    throw new SyntaxError(`unterminated ${quote} in DuckDB type "${this.text}"`);
  }

  private integer(): number {
    this.skipSpace();
    const match = /^\d+/.exec(this.text.slice(this.pos));
    if (!match) {
      throw new SyntaxError(`expected a number at ${this.pos} in DuckDB type "${this.text}"`);
    }
    this.pos += match[0].length;
    return Number(match[0]);
  }

  /** Multi-word names: "TIMESTAMP WITH TIME ZONE", "DOUBLE PRECISION", ... */
  private typeName(): string {
    // typeof(NULL) prints as "NULL", quoted.
    if (this.peek() === '"') return this.quoted('"').toUpperCase();
    let name = this.word().toUpperCase();
    for (;;) {
      const save = this.pos;
      this.skipSpace();
      const rest = /^[A-Za-z]+/.exec(this.text.slice(this.pos));
      const next = rest ? `${name} ${rest[0].toUpperCase()}` : undefined;
      if (next !== undefined && Object.keys(ALIASES).some((alias) => alias.startsWith(next))) {
        name = next;
        this.pos += rest![0].length;
      } else {
        this.pos = save;
        return name;
      }
    }
  }

  parseType(): DuckdbType {
    let type = this.parseBase();
    // Suffixes bind left to right: INTEGER[3][] is a list of 3-element arrays.
    while (this.peek() === "[") {
      this.pos++;
      if (this.peek() === "]") {
        this.pos++;
        type = { kind: "list", element: type };
      } else {
        const size = this.integer();
        this.expect("]");
        type = { kind: "list", element: type, size };
      }
    }
    return type;
  }

  private parseBase(): DuckdbType {
    const raw = this.typeName();
    const name = ALIASES[raw] ?? raw;
    if (this.peek() !== "(") {
      if (name === "DECIMAL") return { kind: "decimal", width: 18, scale: 3 };
      return { kind: "scalar", name };
    }
    switch (name) {
      case "DECIMAL": {
        this.expect("(");
        const width = this.integer();
        let scale = 0;
        if (this.peek() === ",") {
          this.pos++;
          scale = this.integer();
        }
        this.expect(")");
        return { kind: "decimal", width, scale };
      }
      case "ENUM": {
        this.expect("(");
        const values: string[] = [];
        while (this.peek() !== ")") {
          values.push(this.quoted("'"));
          if (this.peek() === ",") this.pos++;
        }
        this.expect(")");
        return { kind: "enum", values };
      }
      case "STRUCT":
      case "UNION": {
        const fields = this.fieldList();
        return name === "STRUCT" ? { kind: "struct", fields } : { kind: "union", members: fields };
      }
      case "MAP": {
        this.expect("(");
        const key = this.parseType();
        this.expect(",");
        const value = this.parseType();
        this.expect(")");
        return { kind: "map", key, value };
      }
      case "LIST": {
        // LIST(INTEGER), the long form of INTEGER[].
        this.expect("(");
        const element = this.parseType();
        this.expect(")");
        return { kind: "list", element };
      }
      default:
        // VARCHAR(10), GEOMETRY('crs'), ...: the arguments change nothing on the wire.
        this.skipBalanced();
        return { kind: "scalar", name };
    }
  }

  private fieldList(): DuckdbField[] {
    this.expect("(");
    const fields: DuckdbField[] = [];
    while (this.peek() !== ")") {
      const name = this.identifier();
      fields.push({ name, type: this.parseType() });
      if (this.peek() === ",") this.pos++;
      else break;
    }
    this.expect(")");
    return fields;
  }

  private skipBalanced(): void {
    this.expect("(");
    let depth = 1;
    while (depth > 0 && this.pos < this.text.length) {
      const ch = this.text[this.pos];
      if (ch === "'" || ch === '"') {
        this.quoted(ch);
        continue;
      }
      if (ch === "(") depth++;
      else if (ch === ")") depth--;
      this.pos++;
    }
    if (depth > 0) throw new SyntaxError(`unbalanced "(" in DuckDB type "${this.text}"`);
  }
}
