import { type DuckDBType, DuckDBTypeId } from "@duckdb/node-api";

/**
 * Spells a result column's type the way DuckDB's own `typeof()` does ("TIMESTAMP WITH TIME
 * ZONE", "STRUCT(a INTEGER, \"my field\" VARCHAR)", "JSON[]"), which is what `column_types`
 * carries. node-api's `toString()` differs in two places: it quotes every STRUCT/UNION field
 * name and drops aliases such as JSON. DuckDB quotes a field name when it is not a plain
 * identifier or is any keyword, so the keyword list comes from the engine itself
 * (`duckdb_keywords()`), see `EngineInfo`.
 */
export class TypeNamer {
  private readonly keywords: ReadonlySet<string>;

  constructor(keywords: Iterable<string>) {
    this.keywords = new Set([...keywords].map((k) => k.toLowerCase()));
  }

  name(type: DuckDBType): string {
    if (type.alias) return type.alias;
    switch (type.typeId) {
      case DuckDBTypeId.LIST:
        return `${this.name(type.valueType)}[]`;
      case DuckDBTypeId.ARRAY:
        return `${this.name(type.valueType)}[${type.length}]`;
      case DuckDBTypeId.MAP:
        return `MAP(${this.name(type.keyType)}, ${this.name(type.valueType)})`;
      case DuckDBTypeId.STRUCT:
        return `STRUCT(${this.fields(type.entryNames, type.entryTypes)})`;
      case DuckDBTypeId.UNION:
        return `UNION(${this.fields(type.memberTags, type.memberTypes)})`;
      default:
        return type.toString();
    }
  }

  private fields(names: readonly string[], types: readonly DuckDBType[]): string {
    return names.map((n, i) => `${this.fieldName(n)} ${this.name(types[i]!)}`).join(", ");
  }

  private fieldName(name: string): string {
    const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !this.keywords.has(name.toLowerCase());
    return plain ? name : `"${name.replaceAll('"', '""')}"`;
  }
}
