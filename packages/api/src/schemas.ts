/**
 * JSON Schemas of the routes: Fastify validates requests and serializes responses
 * with them, and @fastify/swagger turns them into the OpenAPI document at /docs.
 */

export const errorSchema = {
  $id: "Error",
  type: "object",
  description: "Every error: the HTTP status, a stable code and what to do about it",
  required: ["statusCode", "error", "code", "message"],
  properties: {
    statusCode: { type: "integer", examples: [400] },
    error: { type: "string", examples: ["Bad Request"] },
    code: { type: "string", examples: ["invalid_argument"] },
    message: { type: "string", examples: ["start_date must be a date written as YYYY-MM-DD"] },
  },
} as const;

const errorRef = { $ref: "Error#" } as const;

/** The error responses a data route can give, for the docs and serialization. */
export function errorResponses(...codes: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries([400, 401, 429, 503, 504, ...codes].map((code) => [code, errorRef]));
}

const date = { type: "string", format: "date", examples: ["2024-01-15"] } as const;

/** Object keys: folders separated by "/", no "..", at most 1,024 bytes (checked again in data-service). */
export const fileName = {
  type: "string",
  minLength: 1,
  maxLength: 1024,
  examples: ["events/2024-01.csv"],
} as const;

/** The guide's optional `user_id` query parameter: when given it must be the token's user. */
export const userIdQuery = {
  type: "object",
  properties: {
    user_id: {
      type: "string",
      description: "Optional, for clients of the guide's API: must equal the token's user",
    },
  },
} as const;

/** A listed file. Listings carry no content type (as in S3); a download's headers do. */
export const fileInfo = {
  type: "object",
  required: ["key", "size", "etag", "last_modified"],
  properties: {
    key: { type: "string" },
    size: { type: "integer" },
    etag: { type: "string" },
    last_modified: { type: "string", format: "date-time" },
  },
} as const;

export const storedFile = {
  type: "object",
  required: ["status", "message", "key", "size", "etag"],
  properties: {
    status: { type: "string", const: "success" },
    message: { type: "string" },
    key: { type: "string" },
    size: { type: "integer" },
    etag: { type: "string" },
  },
} as const;

export const uploadBody = {
  type: "object",
  required: ["file_name", "data"],
  additionalProperties: false,
  properties: {
    file_name: fileName,
    data: {
      type: "string",
      description: "The file's bytes, base64 encoded (as in the integration guide)",
      contentEncoding: "base64",
      examples: ["ZXZlbnRfdHlwZSxkYXRlCmNsaWNrLDIwMjQtMDEtMTUK"],
    },
    content_type: { type: "string", examples: ["text/csv"] },
  },
} as const;

export const analyzeBody = {
  type: "object",
  required: ["start_date", "end_date"],
  additionalProperties: false,
  properties: { start_date: date, end_date: date },
} as const;

export const analysis = {
  type: "object",
  required: ["user_id", "period", "start_date", "end_date", "events"],
  properties: {
    user_id: { type: "string" },
    period: { type: "string", examples: ["2024-01-01 to 2024-01-31"] },
    start_date: date,
    end_date: date,
    events: {
      type: "array",
      items: {
        type: "object",
        required: ["event_type", "count", "avg_duration"],
        properties: {
          event_type: { type: "string" },
          count: { type: "integer" },
          avg_duration: { type: ["number", "null"] },
        },
      },
    },
  },
} as const;

export const importBody = {
  type: "object",
  required: ["file_name"],
  additionalProperties: false,
  properties: {
    file_name: fileName,
    format: {
      type: "string",
      enum: ["csv", "json", "parquet"],
      description: "Default: from the file's extension",
    },
  },
} as const;

export const importResult = {
  type: "object",
  required: ["status", "table", "rows_imported", "format"],
  properties: {
    status: { type: "string", const: "success" },
    table: { type: "string", examples: ["user_events"] },
    rows_imported: { type: "integer" },
    format: { type: "string" },
  },
} as const;

export const reportParams = {
  type: "object",
  required: ["report_type"],
  properties: { report_type: { type: "string", pattern: "^[a-z][a-z0-9_]{0,62}$" } },
} as const;

export const reportResult = {
  type: "object",
  required: ["status", "report_key", "message"],
  properties: {
    status: { type: "string", const: "success" },
    report_key: { type: "string", examples: ["reports/daily_summary_2024-01-15.json"] },
    message: { type: "string" },
  },
} as const;

export const reportDocument = {
  type: "object",
  required: ["report_type", "generated_at", "user_id", "parameters", "data"],
  properties: {
    report_type: { type: "string" },
    generated_at: { type: "string", format: "date-time" },
    user_id: { type: "string" },
    parameters: { type: "object", additionalProperties: true },
    data: {},
  },
} as const;

export const queryBody = {
  type: "object",
  required: ["sql"],
  additionalProperties: false,
  properties: {
    sql: {
      type: "string",
      minLength: 1,
      maxLength: 100_000,
      examples: [
        "SELECT event_type, count(*) AS n FROM user_events WHERE date >= $since GROUP BY 1",
      ],
    },
    params: {
      type: "object",
      description: "Values of the query's $names, bound by DuckDB",
      additionalProperties: true,
      examples: [{ since: "2024-01-01" }],
    },
    max_rows: { type: "integer", minimum: 1, maximum: 1_000_000 },
  },
} as const;

export const queryResult = {
  type: "object",
  required: ["columns", "rows", "row_count", "truncated", "execution_time_ms"],
  properties: {
    columns: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "type"],
        properties: { name: { type: "string" }, type: { type: "string" } },
      },
    },
    rows: { type: "array", items: { type: "object", additionalProperties: true } },
    row_count: { type: "integer" },
    truncated: { type: "boolean" },
    execution_time_ms: { type: "number" },
  },
} as const;

export const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    prefix: { type: "string", maxLength: 1024 },
    start_after: { type: "string", maxLength: 1024 },
    // Query strings are text and types are not coerced (see app.ts): a number as digits.
    limit: {
      type: "string",
      pattern: "^(1000|[1-9][0-9]{0,2})$",
      description: "1 to 1000, default 1000",
    },
    user_id: userIdQuery.properties.user_id,
  },
} as const;

export const fileList = {
  type: "object",
  required: ["files", "truncated"],
  properties: {
    files: { type: "array", items: fileInfo },
    truncated: { type: "boolean", description: "More files follow: ask again with start_after" },
  },
} as const;

export const wildcardParams = {
  type: "object",
  required: ["*"],
  properties: { "*": fileName },
} as const;
