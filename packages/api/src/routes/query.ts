import { Readable } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { DataService } from "@isa-cloud/data-service";
import type { Column, QueryBatch } from "@isa-cloud/duckdb-client";
import Negotiator from "negotiator";
import { callerOf } from "../caller.js";
import { HttpProblem } from "../http-problem.js";
import { arrowStream } from "../results/arrow.js";
import { jsonRowEncoder } from "../results/json-values.js";
import { parquetStream } from "../results/parquet.js";
import { csv, ndjson } from "../results/text-formats.js";
import { errorResponses, queryBody, queryResult, userIdQuery } from "../schemas.js";

export interface QueryRoutesOptions {
  data: DataService;
}

/** The result formats, by media type; the first is the default (no Accept, or `*\/*`). */
export const RESULT_FORMATS = {
  "application/json": "one page of rows in a JSON object, at most max_rows",
  "application/x-ndjson": "every row, one JSON object per line",
  "text/csv": "every row, RFC 4180 with a header row",
  "application/vnd.apache.parquet": "every row, a Parquet file",
  "application/vnd.apache.arrow.stream": "every row, the Arrow IPC stream format",
} as const;

type MediaType = keyof typeof RESULT_FORMATS;
const MEDIA_TYPES = Object.keys(RESULT_FORMATS) as MediaType[];

type Batches = AsyncIterable<QueryBatch<Record<string, unknown>>>;

const STREAMERS: Record<
  Exclude<MediaType, "application/json">,
  (columns: Column[], rest: Batches) => AsyncIterable<Buffer> | Promise<Readable> | Readable
> = {
  "application/x-ndjson": ndjson,
  "text/csv": csv,
  "application/vnd.apache.parquet": parquetStream,
  "application/vnd.apache.arrow.stream": arrowStream,
};

const FILE_EXTENSIONS: Record<string, string> = {
  "text/csv": "csv",
  "application/vnd.apache.parquet": "parquet",
  "application/vnd.apache.arrow.stream": "arrows",
};

export const queryRoutes: FastifyPluginAsyncTypebox<QueryRoutesOptions> = async (app, options) => {
  const { data } = options;
  const cap = data.queryMaxRows;
  const text = { type: "string" } as const;
  const binary = { type: "string", format: "binary" } as const;

  app.post(
    "/query",
    {
      schema: {
        operationId: "query",
        tags: ["analytics"],
        summary: "Run one read-only SQL statement on your own analytics database",
        description: `SELECT, WITH, VALUES, SHOW, DESCRIBE, SUMMARIZE and EXPLAIN only; anything that writes, attaches, sets or copies is refused with 400. Values go in \`params\` and are bound to \`$name\`s.\n\nThe format follows \`Accept\`:\n${MEDIA_TYPES.map((type) => `- \`${type}\`: ${RESULT_FORMATS[type]}`).join("\n")}\n\nJSON answers hold at most ${cap} rows (\`max_rows\`, stated again in the answer with \`truncated\`); the other formats stream the whole result as it is computed, with no cap. A failure after the first rows were sent ends the stream without its final chunk, so the client sees an incomplete transfer.`,
        querystring: userIdQuery,
        body: queryBody(cap),
        response: {
          200: {
            description: "The result, in the format Accept asked for",
            content: {
              "application/json": { schema: queryResult(cap) },
              "application/x-ndjson": { schema: text },
              "text/csv": { schema: text },
              "application/vnd.apache.parquet": { schema: binary },
              "application/vnd.apache.arrow.stream": { schema: binary },
            },
          },
          ...errorResponses(403, 404, 406, 413),
        },
      },
    },
    async (request, reply) => {
      const format = new Negotiator(request).mediaType(MEDIA_TYPES) as MediaType | undefined;
      if (!format) {
        throw new HttpProblem(
          406,
          "not_acceptable",
          `results come as ${MEDIA_TYPES.join(", ")}; put one of them in Accept`,
        );
      }
      const { sql, params, max_rows } = request.body;
      const { caller, userId } = callerOf(data, request);
      const abort = new AbortController();
      // A client that goes away stops the query.
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const json = format === "application/json";
      const limit = json ? (max_rows ?? cap) : max_rows;
      const started = performance.now();
      const batches = caller.queryBatches(userId, sql, params ?? {}, {
        signal: abort.signal,
        // One row beyond the JSON page tells whether there were more.
        ...(limit ? { maxRows: json ? limit + 1 : limit } : {}),
      });
      // The first batch is awaited before any header is sent, so bad SQL is still a 400.
      const first = await batches.next();
      const columns = first.done ? [] : first.value.columns;
      const all: Batches = (async function* () {
        if (!first.done) yield first.value;
        yield* batches;
      })();

      if (json) {
        const encode = jsonRowEncoder(columns);
        const rows: Record<string, unknown>[] = [];
        let truncated = false;
        for await (const batch of all) {
          for (const row of batch.rows) {
            if (rows.length === limit) {
              truncated = true;
              break;
            }
            rows.push(encode(row));
          }
          // Leaving the loop cancels the stream and the query.
          if (truncated) break;
        }
        return {
          columns: columns.map((c) => ({ name: c.name, type: c.type })),
          rows,
          row_count: rows.length,
          truncated,
          max_rows: limit ?? cap,
          execution_time_ms: performance.now() - started,
        };
      }
      const encoded = await STREAMERS[format](columns, all);
      const body = encoded instanceof Readable ? encoded : Readable.from(encoded);
      const extension = FILE_EXTENSIONS[format];
      if (extension) {
        reply.header("content-disposition", `attachment; filename="result.${extension}"`);
      }
      // A stream is sent as it is, never serialized: the typed reply does not know streams.
      return reply.header("content-type", format).send(body as never);
    },
  );
};
