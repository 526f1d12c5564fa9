import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import type { DataService } from "@isa-cloud/data-service";
import type { FastifyRequest, FastifySchemaValidationError } from "fastify";
import { callerOf } from "../caller.js";
import { HttpProblem } from "../http-problem.js";
import {
  analysis,
  analyzeBody,
  errorResponses,
  importBody,
  importResult,
  reportDocument,
  reportKeyParams,
  reportParams,
  reportResult,
  userIdQuery,
} from "../schemas.js";

export interface AnalyticsRoutesOptions {
  data: DataService;
}

export const analyticsRoutes: FastifyPluginAsyncTypebox<AnalyticsRoutesOptions> = async (
  app,
  options,
) => {
  const { data } = options;

  app.post(
    "/import",
    {
      schema: {
        operationId: "importFile",
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
      const { caller, userId } = callerOf(data, request);
      const result = await caller.importUserData(userId, file_name, format ? { format } : {});
      return {
        status: "success" as const,
        table: result.table,
        rows_imported: result.rowsImported,
        format: result.format,
      };
    },
  );

  app.post(
    "/analyze",
    {
      schema: {
        operationId: "analyze",
        tags: ["analytics"],
        summary: "Count events and average their duration per event type between two dates",
        description: "Both dates are inclusive and written as YYYY-MM-DD.",
        querystring: userIdQuery,
        body: analyzeBody,
        response: { 200: analysis, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const { caller, userId } = callerOf(data, request);
      return caller.analyzeUserBehavior(userId, request.body.start_date, request.body.end_date);
    },
  );

  const registered = data.reports.list();
  const reportTypes = registered
    .map(
      (type) =>
        `- \`${type.name}\`: ${type.description}; parameters ${JSON.stringify(type.parametersSchema)}`,
    )
    .join("\n");

  app.post(
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
        operationId: "generateReport",
        tags: ["analytics"],
        summary: "Generate a report and store it as JSON under reports/ in your files",
        description: `The body holds the report's parameters, by report type:\n${reportTypes}`,
        params: reportParams,
        querystring: userIdQuery,
        body: Type.Unsafe<Record<string, unknown> | undefined>({
          title: "ReportParameters",
          oneOf: registered.map((type) => ({
            title: type.name,
            description: `parameters of \`${type.name}\``,
            ...type.parametersSchema,
          })),
          examples: [{ date: "2024-01-15" }],
        }),
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
      const { caller, userId } = callerOf(data, request);
      const key = await caller.generateReport(userId, report_type, body);
      return {
        status: "success" as const,
        report_key: key,
        message: `Report ${report_type} generated`,
      };
    },
  );

  const getReport = async (request: FastifyRequest) => {
    const params = request.params as { key?: string; "*"?: string };
    const { caller, userId } = callerOf(data, request);
    return caller.getReport(userId, params.key ?? params["*"] ?? "");
  };
  const reportSchema = {
    tags: ["analytics"],
    summary: "Fetch a stored report",
    description:
      "By its key as returned by POST /report/{report_type}, with or without `reports/`, URL-encoded as one path segment.",
    querystring: userIdQuery,
    response: { 200: reportDocument, ...errorResponses(403, 404) },
  };
  app.get(
    "/reports/:key",
    { schema: { ...reportSchema, operationId: "getReport", params: reportKeyParams } },
    getReport,
  );
  // The same with raw "/" in the key, as older clients send it; not in the docs.
  app.get(
    "/reports/*",
    {
      schema: {
        ...reportSchema,
        hide: true,
        params: Type.Object({ "*": Type.String({ minLength: 1, maxLength: 1024 }) }),
      },
    },
    getReport,
  );
};

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
