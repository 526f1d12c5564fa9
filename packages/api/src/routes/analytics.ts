import type { DataService } from "@isa-cloud/data-service";
import type { FastifyInstance } from "fastify";
import { asCaller } from "../caller.js";
import {
  analysis,
  analyzeBody,
  errorResponses,
  importBody,
  importResult,
  queryBody,
  queryResult,
  reportDocument,
  reportParams,
  reportResult,
  userIdQuery,
} from "../schemas.js";

export interface AnalyticsRoutesOptions {
  data: DataService;
}

export async function analyticsRoutes(
  app: FastifyInstance,
  options: AnalyticsRoutesOptions,
): Promise<void> {
  const { data } = options;

  app.post<{ Body: { file_name: string; format?: string } }>(
    "/import",
    {
      schema: {
        tags: ["analytics"],
        summary: "Load a stored CSV, JSON or Parquet file into your user_events table",
        description:
          "The file needs `event_type` and `date` columns and may have `duration`, `value` and `user_id` (default: you). Rows are added in one statement: a file with a bad value adds nothing.",
        querystring: userIdQuery,
        body: importBody,
        response: { 200: importResult, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const { file_name, format } = request.body;
      const result = await asCaller(data, request, (userId) =>
        data.importUserData(userId, file_name, format ? { format } : {}),
      );
      return {
        status: "success",
        table: result.table,
        rows_imported: result.rowsImported,
        format: result.format,
      };
    },
  );

  app.post<{ Body: { start_date: string; end_date: string } }>(
    "/analyze",
    {
      schema: {
        tags: ["analytics"],
        summary: "Count events and average their duration per event type between two dates",
        description: "Both dates are inclusive and written as YYYY-MM-DD.",
        querystring: userIdQuery,
        body: analyzeBody,
        response: { 200: analysis, ...errorResponses(403, 404) },
      },
    },
    async (request) =>
      asCaller(data, request, (userId) =>
        data.analyzeUserBehavior(userId, request.body.start_date, request.body.end_date),
      ),
  );

  const reportTypes = data.reports
    .list()
    .map(
      (type) =>
        `- \`${type.name}\`: ${type.description}; parameters ${JSON.stringify(type.parametersSchema)}`,
    )
    .join("\n");

  app.post<{ Params: { report_type: string }; Body: Record<string, unknown> | undefined }>(
    "/report/:report_type",
    {
      // A report type without parameters needs no body at all.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ["analytics"],
        summary: "Generate a report and store it as JSON under reports/ in your files",
        description: `The body holds the report's parameters. Report types:\n${reportTypes}`,
        params: reportParams,
        querystring: userIdQuery,
        body: { type: "object", additionalProperties: true, examples: [{ date: "2024-01-15" }] },
        response: { 200: reportResult, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const { report_type } = request.params;
      const key = await asCaller(data, request, (userId) =>
        data.generateReport(userId, report_type, request.body ?? {}),
      );
      return { status: "success", report_key: key, message: `Report ${report_type} generated` };
    },
  );

  app.get<{ Params: { "*": string } }>(
    "/reports/*",
    {
      schema: {
        tags: ["analytics"],
        summary: "Fetch a stored report",
        description:
          "By its key as returned by POST /report/{report_type}, with or without `reports/`.",
        params: {
          type: "object",
          required: ["*"],
          properties: { "*": { type: "string", minLength: 1, maxLength: 1024 } },
        },
        querystring: userIdQuery,
        response: { 200: reportDocument, ...errorResponses(403, 404) },
      },
    },
    async (request) =>
      asCaller(data, request, (userId) => data.getReport(userId, request.params["*"])),
  );

  app.post<{ Body: { sql: string; params?: Record<string, unknown>; max_rows?: number } }>(
    "/query",
    {
      schema: {
        tags: ["analytics"],
        summary: "Run one read-only SQL statement on your own analytics database",
        description:
          "SELECT, WITH, VALUES, SHOW, DESCRIBE and SUMMARIZE only; anything that writes, attaches, sets or copies is refused with 400. Values go in `params` and are bound to `$name`s.",
        querystring: userIdQuery,
        body: queryBody,
        response: { 200: queryResult, ...errorResponses(403, 404, 413) },
      },
    },
    async (request) => {
      const { sql, params, max_rows } = request.body;
      const result = await asCaller(data, request, (userId) =>
        data.query(userId, sql, params ?? {}, max_rows ? { maxRows: max_rows } : {}),
      );
      return { ...result, row_count: result.rows.length };
    },
  );
}
