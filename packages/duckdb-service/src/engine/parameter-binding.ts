import {
  BIGINT,
  BLOB,
  BOOLEAN,
  blobValue,
  DOUBLE,
  type DuckDBPreparedStatement,
  DuckDBStructType,
  type DuckDBType,
  type DuckDBValue,
  LIST,
  listValue,
  MAP,
  mapValue,
  SQLNULL,
  structValue,
  TIMESTAMPTZ,
  timestampTZValue,
  VARCHAR,
} from "@duckdb/node-api";
import type { duckdb } from "@isa-cloud/proto";
import { ServerError, Status } from "nice-grpc";

interface Bound {
  value: DuckDBValue;
  type: DuckDBType;
}

function invalid(path: string, problem: string): ServerError {
  return new ServerError(Status.INVALID_ARGUMENT, `parameter ${path}: ${problem}`);
}

/**
 * A request parameter as the DuckDB value and type it binds as (the contract's table:
 * int_value BIGINT, double_value DOUBLE, string_value VARCHAR, bool_value BOOLEAN,
 * bytes_value BLOB, timestamp_value TIMESTAMPTZ, null_value NULL, list_value LIST,
 * record_value STRUCT, map_value MAP, struct_value JSON text). DuckDB casts implicitly
 * where the SQL needs another type.
 */
export function toDuckdbParameter(value: duckdb.Value | undefined, path: string): Bound {
  const kind = value?.kind;
  if (!kind) return { value: null, type: SQLNULL };
  switch (kind.$case) {
    case "nullValue":
      return { value: null, type: SQLNULL };
    case "intValue":
      return { value: kind.value, type: BIGINT };
    case "doubleValue":
      return { value: kind.value, type: DOUBLE };
    case "stringValue":
      return { value: kind.value, type: VARCHAR };
    case "boolValue":
      return { value: kind.value, type: BOOLEAN };
    case "bytesValue":
      return { value: blobValue(kind.value), type: BLOB };
    case "structValue":
      return { value: JSON.stringify(kind.value ?? {}), type: VARCHAR };
    case "timestampValue": {
      const { seconds, nanos } = kind.value;
      if (!Number.isInteger(nanos) || nanos < 0 || nanos >= 1_000_000_000) {
        throw invalid(path, `timestamp nanos must be in [0, 1e9), got ${nanos}`);
      }
      if (nanos % 1000 !== 0) {
        throw invalid(
          path,
          "DuckDB keeps timestamps to the microsecond; nanos must be a multiple of 1000",
        );
      }
      return {
        value: timestampTZValue(seconds * 1_000_000n + BigInt(nanos / 1000)),
        type: TIMESTAMPTZ,
      };
    }
    case "listValue": {
      const items = kind.value.values.map((v, i) => toDuckdbParameter(v, `${path}[${i}]`));
      return { value: listValue(items.map((b) => b.value)), type: LIST(commonType(items, path)) };
    }
    case "recordValue": {
      const { names, values } = kind.value;
      if (names.length !== values.length) {
        throw invalid(path, `record has ${names.length} names but ${values.length} values`);
      }
      if (new Set(names).size !== names.length) throw invalid(path, "record field names repeat");
      const fields = values.map((v, i) => toDuckdbParameter(v, `${path}.${names[i]}`));
      const entries: Record<string, DuckDBValue> = {};
      names.forEach((name, i) => {
        entries[name] = fields[i]!.value;
      });
      return {
        value: structValue(entries),
        type: new DuckDBStructType(
          names,
          fields.map((f) => f.type),
        ),
      };
    }
    case "mapValue": {
      const { keys, values } = kind.value;
      if (keys.length !== values.length) {
        throw invalid(path, `map has ${keys.length} keys but ${values.length} values`);
      }
      const k = keys.map((v, i) => toDuckdbParameter(v, `${path}.key[${i}]`));
      const v = values.map((x, i) => toDuckdbParameter(x, `${path}.value[${i}]`));
      if (k.some((key) => key.value === null)) throw invalid(path, "map keys cannot be NULL");
      return {
        value: mapValue(k.map((key, i) => ({ key: key.value, value: v[i]!.value }))),
        type: MAP(commonType(k, `${path} keys`), commonType(v, `${path} values`)),
      };
    }
  }
}

/** The one type all non-NULL members share; mixing kinds is refused rather than coerced. */
function commonType(items: readonly Bound[], path: string): DuckDBType {
  let found: DuckDBType | undefined;
  for (const item of items) {
    if (item.value === null) continue;
    if (!found) found = item.type;
    else if (found.toString() !== item.type.toString()) {
      throw invalid(path, `members must share one type, got ${found} and ${item.type}`);
    }
  }
  return found ?? SQLNULL;
}

/**
 * Binds request parameters to a prepared statement by name (`$name`; positional `$1`/`?`
 * take the names "1", "2", ...). Every parameter of the statement needs a value.
 */
export function bindParameters(
  prepared: DuckDBPreparedStatement,
  params: Readonly<Record<string, duckdb.Value>>,
): string[] {
  const used: string[] = [];
  for (let index = 1; index <= prepared.parameterCount; index++) {
    const name = prepared.parameterName(index);
    if (!Object.hasOwn(params, name)) {
      throw new ServerError(
        Status.INVALID_ARGUMENT,
        `missing parameter $${name}: the statement uses it but the request gives no value`,
      );
    }
    const bound = toDuckdbParameter(params[name], `$${name}`);
    prepared.bindValue(index, bound.value, bound.type);
    used.push(name);
  }
  return used;
}
