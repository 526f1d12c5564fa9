import {
  type DuckDBArrayValue,
  type DuckDBBlobValue,
  type DuckDBDateValue,
  type DuckDBGeometryValue,
  type DuckDBIntervalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBTimestampMillisecondsValue,
  type DuckDBTimestampNanosecondsValue,
  type DuckDBTimestampSecondsValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBUnionValue,
  type DuckDBValue,
  type DuckDBVariantValue,
} from "@duckdb/node-api";
import { duckdb } from "@isa-cloud/proto";

type Value = duckdb.Value;

// DuckDB stores ±infinity of DATE as ±(2^31 - 1) days and of every TIMESTAMP kind as
// ±(2^63 - 1) units; node-api prints those as far-away dates, DuckDB prints "infinity".
const DATE_INFINITY = 2_147_483_647;
const TIMESTAMP_INFINITY = 9_223_372_036_854_775_807n;

export const NULL_VALUE: Value = {
  kind: { $case: "nullValue", value: duckdb.NullValue.NULL_VALUE_NULL },
};

const str = (value: string): Value => ({ kind: { $case: "stringValue", value } });
const int = (value: bigint): Value => ({ kind: { $case: "intValue", value } });

/**
 * One DuckDB value as an isa.duckdb.Value, following the mapping table of the README
 * (and of the shared contract notes) exactly: nothing is rounded, so integers wider than
 * 64 bits, DECIMAL, DATE and TIME travel as DuckDB's own text and timestamps to the
 * nanosecond they carry.
 */
export function encodeValue(value: DuckDBValue, type: DuckDBType): Value {
  if (value === null) return NULL_VALUE;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { kind: { $case: "boolValue", value: value as boolean } };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return int(BigInt(value as number));
    case DuckDBTypeId.BIGINT:
      return int(value as bigint);
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return str((value as bigint).toString());
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { kind: { $case: "doubleValue", value: value as number } };
    case DuckDBTypeId.BLOB:
      return { kind: { $case: "bytesValue", value: (value as DuckDBBlobValue).bytes } };
    case DuckDBTypeId.GEOMETRY:
      return { kind: { $case: "bytesValue", value: (value as DuckDBGeometryValue).bytes } };
    case DuckDBTypeId.DATE: {
      const days = (value as DuckDBDateValue).days;
      if (days === DATE_INFINITY) return str("infinity");
      if (days === -DATE_INFINITY) return str("-infinity");
      return str(String(value));
    }
    case DuckDBTypeId.TIMESTAMP:
      return timestamp((value as DuckDBTimestampValue).micros, 1_000n);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestamp((value as DuckDBTimestampTZValue).micros, 1_000n);
    case DuckDBTypeId.TIMESTAMP_S:
      return timestamp((value as DuckDBTimestampSecondsValue).seconds, 1_000_000_000n);
    case DuckDBTypeId.TIMESTAMP_MS:
      return timestamp((value as DuckDBTimestampMillisecondsValue).millis, 1_000_000n);
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestamp((value as DuckDBTimestampNanosecondsValue).nanos, 1n);
    case DuckDBTypeId.INTERVAL: {
      const interval = value as DuckDBIntervalValue;
      return record(
        ["months", "days", "micros"],
        [int(BigInt(interval.months)), int(BigInt(interval.days)), int(interval.micros)],
      );
    }
    case DuckDBTypeId.LIST: {
      const items = (value as DuckDBListValue).items;
      return list(items.map((item) => encodeValue(item, type.valueType)));
    }
    case DuckDBTypeId.ARRAY: {
      const items = (value as DuckDBArrayValue).items;
      return list(items.map((item) => encodeValue(item, type.valueType)));
    }
    case DuckDBTypeId.STRUCT: {
      // Field order comes from the type: a JS object would move integer-like names first.
      const entries = (value as DuckDBStructValue).entries;
      return record(
        type.entryNames,
        type.entryNames.map((name, i) => encodeValue(entries[name] ?? null, type.entryTypes[i]!)),
      );
    }
    case DuckDBTypeId.MAP: {
      const entries = (value as DuckDBMapValue).entries;
      return {
        kind: {
          $case: "mapValue",
          value: {
            keys: entries.map((e) => encodeValue(e.key, type.keyType)),
            values: entries.map((e) => encodeValue(e.value, type.valueType)),
          },
        },
      };
    }
    case DuckDBTypeId.UNION: {
      const union = value as DuckDBUnionValue;
      return encodeValue(union.value, type.memberTypeForTag(union.tag));
    }
    case DuckDBTypeId.VARIANT: {
      const variant = value as DuckDBVariantValue;
      return variant.type ? encodeValue(variant.value, variant.type) : str(String(variant));
    }
    case DuckDBTypeId.SQLNULL:
      return NULL_VALUE;
    default:
      // VARCHAR, ENUM (strings already), UUID, BIT, TIME, TIME_TZ, TIME_NS: DuckDB's text.
      return str(String(value));
  }
}

/** `raw` counts units of `nanosPerUnit` nanoseconds since the epoch. */
function timestamp(raw: bigint, nanosPerUnit: bigint): Value {
  if (raw === TIMESTAMP_INFINITY) return str("infinity");
  if (raw === -TIMESTAMP_INFINITY) return str("-infinity");
  const nanos = raw * nanosPerUnit;
  let seconds = nanos / 1_000_000_000n;
  let rest = nanos % 1_000_000_000n;
  // Floor division: instants before 1970 keep nanos in [0, 1e9) as Timestamp requires.
  if (rest < 0n) {
    seconds -= 1n;
    rest += 1_000_000_000n;
  }
  return { kind: { $case: "timestampValue", value: { seconds, nanos: Number(rest) } } };
}

function list(values: Value[]): Value {
  return { kind: { $case: "listValue", value: { values } } };
}

function record(names: readonly string[], values: Value[]): Value {
  return { kind: { $case: "recordValue", value: { names: [...names], values } } };
}
