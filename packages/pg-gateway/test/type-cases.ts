/**
 * The README's types table as test data: a DuckDB value, the OID and text the gateway
 * sends for it, and how that text goes back in as a parameter (`$1`) to give the same
 * value. Shared by the pg and psycopg2 round-trip tests.
 */
export interface TypeCase {
  type: string;
  literal: string;
  oid: number;
  text: string;
  /** SQL turning the text, bound as $1, back into the value. */
  back: string;
}

export const TYPE_CASES: TypeCase[] = [
  { type: "BOOLEAN", literal: "true", oid: 16, text: "t", back: "$1::BOOLEAN" },
  { type: "TINYINT", literal: "-7", oid: 21, text: "-7", back: "$1::TINYINT" },
  { type: "SMALLINT", literal: "-300", oid: 21, text: "-300", back: "$1::SMALLINT" },
  { type: "INTEGER", literal: "2147483647", oid: 23, text: "2147483647", back: "$1::INTEGER" },
  {
    type: "BIGINT",
    literal: "9007199254740993",
    oid: 20,
    text: "9007199254740993",
    back: "$1::BIGINT",
  },
  { type: "UTINYINT", literal: "200", oid: 21, text: "200", back: "$1::UTINYINT" },
  { type: "USMALLINT", literal: "60000", oid: 23, text: "60000", back: "$1::USMALLINT" },
  { type: "UINTEGER", literal: "4000000000", oid: 20, text: "4000000000", back: "$1::UINTEGER" },
  {
    type: "UBIGINT",
    literal: "18446744073709551615",
    oid: 1700,
    text: "18446744073709551615",
    back: "$1::UBIGINT",
  },
  {
    type: "HUGEINT",
    literal: "-170141183460469231731687303715884105727",
    oid: 1700,
    text: "-170141183460469231731687303715884105727",
    back: "$1::HUGEINT",
  },
  { type: "FLOAT", literal: "0.1", oid: 700, text: "0.1", back: "$1::FLOAT" },
  { type: "DOUBLE", literal: "0.1", oid: 701, text: "0.1", back: "$1::DOUBLE" },
  { type: "DOUBLE", literal: "1e-7", oid: 701, text: "1e-07", back: "$1::DOUBLE" },
  { type: "DOUBLE", literal: "'-inf'", oid: 701, text: "-Infinity", back: "$1::DOUBLE" },
  { type: "DECIMAL(10,2)", literal: "-12.5", oid: 1700, text: "-12.50", back: "$1::DECIMAL(10,2)" },
  { type: "VARCHAR", literal: "'héllo, \"w\"'", oid: 25, text: 'héllo, "w"', back: "$1::VARCHAR" },
  {
    type: "UUID",
    literal: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
    oid: 2950,
    text: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    back: "$1::UUID",
  },
  { type: "JSON", literal: `'{"a":[1,2]}'`, oid: 114, text: '{"a":[1,2]}', back: "$1::JSON" },
  {
    type: "BLOB",
    literal: "'\\x00\\xFFA'",
    oid: 17,
    text: "\\x00ff41",
    back: "unhex(substr($1, 3))",
  },
  { type: "BIT", literal: "'0101'", oid: 1562, text: "0101", back: "$1::BIT" },
  { type: "DATE", literal: "'2024-02-29'", oid: 1082, text: "2024-02-29", back: "$1::DATE" },
  {
    type: "TIME",
    literal: "'13:45:00.123456'",
    oid: 1083,
    text: "13:45:00.123456",
    back: "$1::TIME",
  },
  { type: "TIMETZ", literal: "'13:45:00+02'", oid: 1266, text: "13:45:00+02", back: "$1::TIMETZ" },
  {
    type: "TIMESTAMP",
    literal: "'2024-01-02 03:04:05.123456'",
    oid: 1114,
    text: "2024-01-02 03:04:05.123456",
    back: "$1::TIMESTAMP",
  },
  {
    type: "TIMESTAMPTZ",
    literal: "'2024-01-02 03:04:05.5+00'",
    oid: 1184,
    text: "2024-01-02 03:04:05.5+00",
    back: "$1::TIMESTAMPTZ",
  },
  {
    type: "INTERVAL",
    literal: "INTERVAL '1 year 2 months 3 days 04:05:06.789'",
    oid: 1186,
    text: "1 year 2 mons 3 days 04:05:06.789",
    back: "$1::INTERVAL",
  },
  {
    type: "INTEGER[]",
    literal: "[1, 2, NULL]",
    oid: 1007,
    text: "{1,2,NULL}",
    back: "translate($1, '{}', '[]')::INTEGER[]",
  },
  {
    type: "VARCHAR[]",
    literal: "['a b', 'x\"y']",
    oid: 1009,
    text: '{"a b","x\\"y"}',
    back: "json_transform(translate($1, '{}', '[]'), '[\"VARCHAR\"]')",
  },
  {
    type: "STRUCT(a INTEGER, b VARCHAR)",
    literal: "{'a': 1, 'b': 'x'}",
    oid: 114,
    text: '{"a":1,"b":"x"}',
    back: 'json_transform($1, \'{"a":"INTEGER","b":"VARCHAR"}\')',
  },
  {
    type: "MAP(VARCHAR, INTEGER)",
    literal: "MAP {'k': 1}",
    oid: 114,
    text: '{"k":1}',
    back: "MAP {'k': json_extract($1, '$.k')::INTEGER}",
  },
  { type: "ENUM('a', 'b')", literal: "'b'", oid: 25, text: "b", back: "$1" },
];
