/**
 * Schemas of the routes, written in TypeBox: each is a JSON Schema that Fastify validates
 * requests and serializes responses with, that @fastify/swagger puts in the OpenAPI
 * document, and (through the TypeBox type provider) the TypeScript type of the handler's
 * request and reply, so the three cannot drift. A schema with a `title` in PascalCase is
 * published as a named component (see openapi.ts).
 */
import { Type } from "@fastify/type-provider-typebox";

export const errorSchema = Type.Object(
  {
    statusCode: Type.Integer({ examples: [400] }),
    error: Type.String({ examples: ["Bad Request"] }),
    code: Type.String({ examples: ["invalid_argument"] }),
    message: Type.String({ examples: ["start_date must be a date written as YYYY-MM-DD"] }),
  },
  {
    $id: "Error",
    description: "Every error: the HTTP status, a stable code and what to do about it",
  },
);

const errorRef = { $ref: "Error#" } as const;

/** The error responses a data route can give, for the docs and serialization. */
export function errorResponses(...codes: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries([400, 401, 429, 503, 504, ...codes].map((code) => [code, errorRef]));
}

const date = Type.String({ format: "date", examples: ["2024-01-15"] });

/** Object keys: folders separated by "/", no "..", at most 1,024 bytes (checked again in data-service). */
export const fileName = Type.String({
  minLength: 1,
  maxLength: 1024,
  examples: ["events/2024-01.csv"],
});

const userId = Type.Optional(
  Type.String({
    description: "Optional, for clients of the guide's API: must equal the token's user",
  }),
);

/** The guide's optional `user_id` query parameter: when given it must be the token's user. */
export const userIdQuery = Type.Object({ user_id: userId });

/** A file's key as one path parameter: encode "/" as %2F (`encodeURIComponent`). */
export const filePathParams = Type.Object({
  path: Type.String({
    ...fileName,
    description:
      'The file\'s key, URL-encoded as one segment ("a/b.csv" is `a%2Fb.csv`). Unencoded "/" works too.',
    examples: ["events%2F2024-01.csv"],
  }),
});

/** A listed file. Listings carry no content type (as in S3); a download's headers do. */
export const fileInfo = Type.Object(
  {
    key: Type.String({ examples: ["events/2024-01.csv"] }),
    size: Type.Integer({ examples: [5120] }),
    etag: Type.String({ examples: ["9b2cf535f27731c974343645a3985328"] }),
    last_modified: Type.String({ format: "date-time", examples: ["2024-01-15T10:00:00.000Z"] }),
  },
  { title: "FileInfo" },
);

export const storedFile = Type.Object(
  {
    status: Type.Literal("success"),
    message: Type.String({ examples: ["File stored"] }),
    key: Type.String({ examples: ["events/2024-01.csv"] }),
    size: Type.Integer({ examples: [5120] }),
    etag: Type.String({ examples: ["9b2cf535f27731c974343645a3985328"] }),
  },
  { title: "StoredFile" },
);

export const storedFiles = Type.Object(
  {
    status: Type.Literal("success"),
    files: Type.Array(storedFile),
  },
  { title: "StoredFiles" },
);

export const uploadBody = Type.Object(
  {
    file_name: fileName,
    data: Type.String({
      description: "The file's bytes, base64 encoded (as in the integration guide)",
      contentEncoding: "base64",
      examples: ["ZXZlbnRfdHlwZSxkYXRlCmNsaWNrLDIwMjQtMDEtMTUK"],
    }),
    content_type: Type.Optional(Type.String({ examples: ["text/csv"] })),
  },
  { title: "UploadRequest", additionalProperties: false },
);

export const analyzeBody = Type.Object(
  { start_date: date, end_date: date },
  { title: "AnalyzeRequest", additionalProperties: false },
);

export const analysis = Type.Object(
  {
    user_id: Type.String({ examples: ["alice"] }),
    period: Type.String({ examples: ["2024-01-01 to 2024-01-31"] }),
    start_date: date,
    end_date: date,
    events: Type.Array(
      Type.Object({
        event_type: Type.String({ examples: ["click"] }),
        count: Type.Integer({ examples: [42] }),
        avg_duration: Type.Union([Type.Number(), Type.Null()], { examples: [3.5] }),
      }),
    ),
  },
  { title: "Analysis" },
);

export const importBody = Type.Object(
  {
    file_name: fileName,
    format: Type.Optional(
      Type.Union([Type.Literal("csv"), Type.Literal("json"), Type.Literal("parquet")], {
        description: "Default: from the file's extension",
      }),
    ),
  },
  { title: "ImportRequest", additionalProperties: false },
);

export const importResult = Type.Object(
  {
    status: Type.Literal("success"),
    table: Type.String({ examples: ["user_events"] }),
    rows_imported: Type.Integer({ examples: [1000] }),
    format: Type.String({ examples: ["csv"] }),
  },
  { title: "ImportResult" },
);

export const reportParams = Type.Object({
  report_type: Type.String({ pattern: "^[a-z][a-z0-9_]{0,62}$", examples: ["daily_summary"] }),
});

export const reportResult = Type.Object(
  {
    status: Type.Literal("success"),
    report_key: Type.String({ examples: ["reports/daily_summary_2024-01-15.json"] }),
    message: Type.String({ examples: ["Report daily_summary generated"] }),
  },
  { title: "ReportResult" },
);

export const reportKeyParams = Type.Object({
  key: Type.String({
    minLength: 1,
    maxLength: 1024,
    description: "The key POST /report/{report_type} returned, URL-encoded as one segment",
    examples: ["daily_summary_2024-01-15.json"],
  }),
});

export const reportDocument = Type.Object(
  {
    report_type: Type.String({ examples: ["daily_summary"] }),
    generated_at: Type.String({ format: "date-time" }),
    user_id: Type.String({ examples: ["alice"] }),
    parameters: Type.Unknown({ description: "The parameters the report was made with" }),
    data: Type.Unknown({ description: "The report's rows or summary, by report type" }),
  },
  { title: "ReportDocument" },
);

/** The rule for numbers in JSON results, stated once for the schema and the README. */
export const JSON_VALUE_RULE =
  "Values by column type, the same for every row: BIGINT, UBIGINT, HUGEINT, UHUGEINT and DECIMAL are always strings (exact; JSON numbers lose digits past 2^53); smaller integers, FLOAT and DOUBLE are numbers (NaN and ±Infinity, which JSON cannot write, are null); DATE, TIME and TIMESTAMP ISO-8601 strings; BLOB base64; LIST, STRUCT and MAP arrays and objects following the same rule; NULL is null.";

export function queryBody(maxRowsCap: number) {
  return Type.Object(
    {
      sql: Type.String({
        minLength: 1,
        maxLength: 100_000,
        description:
          "One read-only statement: SELECT, WITH, VALUES, SHOW, DESCRIBE, SUMMARIZE or EXPLAIN",
        examples: [
          "SELECT event_type, count(*) AS n FROM user_events WHERE date >= $since GROUP BY 1",
        ],
      }),
      params: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          description: "Values of the query's $names, bound by DuckDB",
          examples: [{ since: "2024-01-01" }],
        }),
      ),
      max_rows: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: maxRowsCap,
          description: `Rows of a JSON answer, at most ${maxRowsCap} (the default). The streamed formats (NDJSON, CSV, Parquet, Arrow) have no cap and ignore it unless given.`,
        }),
      ),
    },
    { title: "QueryRequest", additionalProperties: false },
  );
}

export function queryResult(maxRowsCap: number) {
  return Type.Object(
    {
      columns: Type.Array(
        Type.Object({
          name: Type.String({ examples: ["event_type"] }),
          type: Type.String({ examples: ["BIGINT"] }),
        }),
      ),
      rows: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
        description: JSON_VALUE_RULE,
        examples: [[{ event_type: "click", n: "2" }]],
      }),
      row_count: Type.Integer({ examples: [1] }),
      truncated: Type.Boolean({
        description: "More rows followed: ask for NDJSON, CSV, Parquet or Arrow to get them all",
      }),
      max_rows: Type.Integer({
        maximum: maxRowsCap,
        description: `The row cap applied to this answer (at most ${maxRowsCap})`,
        examples: [maxRowsCap],
      }),
      execution_time_ms: Type.Number({ examples: [3.2] }),
    },
    { title: "QueryResult" },
  );
}

export const listQuery = Type.Object(
  {
    prefix: Type.Optional(Type.String({ maxLength: 1024, examples: ["events/"] })),
    delimiter: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1,
        description: 'Roll keys up to the next delimiter into common_prefixes (folders), e.g. "/"',
        examples: ["/"],
      }),
    ),
    continuation_token: Type.Optional(
      Type.String({
        maxLength: 4096,
        description: "next_continuation_token of the previous page",
      }),
    ),
    start_after: Type.Optional(
      Type.String({ maxLength: 1024, description: "List keys after this one" }),
    ),
    // Query strings are text and types are not coerced (see app.ts): a number as digits.
    limit: Type.Optional(
      Type.String({
        pattern: "^(1000|[1-9][0-9]{0,2})$",
        description: "Entries (files and common prefixes) per page, 1 to 1000, default 1000",
        examples: ["100"],
      }),
    ),
    user_id: userId,
  },
  { additionalProperties: false },
);

export const fileList = Type.Object(
  {
    files: Type.Array(fileInfo),
    common_prefixes: Type.Array(Type.String(), {
      description: "With a delimiter: the folders directly under the prefix",
      examples: [["events/2024/"]],
    }),
    truncated: Type.Boolean({ description: "More entries follow: ask again with the token" }),
    next_continuation_token: Type.Optional(
      Type.String({ description: "Send as continuation_token for the next page" }),
    ),
  },
  { title: "FileList" },
);

/** The headers of a file download (GET and HEAD), for the docs. */
export const downloadHeaders = {
  etag: { description: "Strong entity tag of the file", schema: { type: "string" } },
  "last-modified": { description: "When the file was stored", schema: { type: "string" } },
  "accept-ranges": { description: "Always `bytes`", schema: { type: "string" } },
  "content-length": { description: "Bytes in this answer", schema: { type: "integer" } },
} as const;
