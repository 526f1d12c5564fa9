import type { DataService } from "@isa-cloud/data-service";
import type { FastifyInstance, FastifySchemaValidationError } from "fastify";
import { asCaller } from "../caller.js";
import { HttpProblem } from "../http-problem.js";
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
      const result = await asCaller(data, request, (caller, userId) =>
        caller.importUserData(userId, file_name, format ? { format } : {}),
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
      asCaller(data, request, (caller, userId) =>
        caller.analyzeUserBehavior(userId, request.body.start_date, request.body.end_date),
      ),
  );

  const registered = data.reports.list();
  const reportTypes = registered
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
      // The body schema below documents every type's parameters; which one applies depends
      // on the path, so the handler checks the body against its type's schema itself (an
      // unknown type is 404 before its body is judged).
      attachValidation: true,
      schema: {
        tags: ["analytics"],
        summary: "Generate a report and store it as JSON under reports/ in your files",
        description: `The body holds the report's parameters, by report type:\n${reportTypes}`,
        params: reportParams,
        querystring: userIdQuery,
        body: {
          oneOf: registered.map((type) => ({
            title: type.name,
            description: `parameters of \`${type.name}\``,
            ...type.parametersSchema,
          })),
          examples: [{ date: "2024-01-15" }],
        },
        response: { 200: reportResult, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      if (request.validationError && request.validationError.validationContext !== "body") {
        throw request.validationError;
      }
      const { report_type } = request.params;
      const type = data.reports.get(report_type);
      const body = request.body ?? {};
      const validate = request.compileValidationSchema(type.parametersSchema, "body");
      if (!validate(body)) throw parameterProblem(report_type, validate.errors ?? []);
      const key = await asCaller(data, request, (caller, userId) =>
        caller.generateReport(userId, report_type, body),
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
      asCaller(data, request, (caller, userId) => caller.getReport(userId, request.params["*"])),
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
      const result = await asCaller(data, request, (caller, userId) =>
        caller.query(userId, sql, params ?? {}, max_rows ? { maxRows: max_rows } : {}),
      );
      return { ...result, row_count: result.rows.length };
    },
  );
}

/** 400 naming the first parameter that breaks the report type's schema. */
function parameterProblem(reportType: string, errors: FastifySchemaValidationError[]): HttpProblem {
  const first = errors[0];
  const params = (first?.params ?? {}) as Record<string, unknown>;
  const field = first?.instancePath.replace(/^\//, "").replaceAll("/", ".");
  let message: string;
  if (first?.keyword === "required") {
    message = `${String(params.missingProperty)} is required`;
  } else if (first?.keyword === "additionalProperties") {
    message = `unknown parameter "${String(params.additionalProperty)}"`;
  } else if (field) {
    message = `${field} ${first?.message ?? "is not valid"}`;
  } else {
    message = `the parameters ${first?.message ?? "are not valid"}`;
  }
  return new HttpProblem(
    400,
    "invalid_argument",
    `${message} for report "${reportType}" (see its parameters at /docs)`,
  );
}
