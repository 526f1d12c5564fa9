import type { SwaggerOptions } from "@fastify/swagger";
import type { FastifySwaggerUiOptions } from "@fastify/swagger-ui";

const TITLE = "isa-cloud data API";
const DESCRIPTION = `Store files, import them into your analytics table, analyze, report and query with SQL.

Every \`/api/v1/data\` route needs \`Authorization: Bearer <token>\` (\`isa token\` prints a dev token). Errors are always \`application/json\` in the \`Error\` shape. File keys go in the path as one URL-encoded segment (\`/files/events%2F2024.csv\`). Query results come as JSON, NDJSON, CSV, Parquet or Arrow, chosen with \`Accept\`.`;

/** The logo of the docs page, inline (the page loads nothing from elsewhere). */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="148" height="32" viewBox="0 0 148 32"><rect width="32" height="32" rx="7" fill="#0f766e"/><path d="M8 22V10m6 12V14m6 8V8m6 14v-6" stroke="#fff" stroke-width="3" stroke-linecap="round"/><text x="40" y="22" font-family="system-ui,sans-serif" font-size="17" font-weight="600" fill="#0f172a">isa-cloud</text></svg>`;

/** Request bodies the route schemas cannot carry (Fastify would validate a stream against them). */
const RAW_BODIES: Record<string, unknown> = {
  putFile: {
    required: true,
    description: "The file's bytes, any content type (stored with the file)",
    content: { "*/*": { schema: { type: "string", format: "binary" } } },
  },
  uploadFiles: {
    required: true,
    description: "One part per file, each with a filename (`curl -F file=@a.csv -F file=@b.csv`)",
    content: {
      "multipart/form-data": {
        schema: {
          type: "object",
          required: ["file"],
          properties: {
            file: {
              type: "array",
              items: { type: "string", format: "binary" },
              description: "The files; the part name does not matter",
            },
          },
        },
      },
    },
  },
};

type Json = Record<string, unknown>;

const COMPONENT_NAME = /^[A-Z][A-Za-z0-9]+$/;

/**
 * Replaces each schema with a PascalCase `title` (see schemas.ts) by a reference to a
 * component of that name, innermost first, so generated clients get named types.
 */
function hoistNamedSchemas(node: unknown, components: Json): unknown {
  if (Array.isArray(node)) return node.map((item) => hoistNamedSchemas(item, components));
  if (typeof node !== "object" || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = hoistNamedSchemas(value, components);
  const title = out.title;
  if (typeof title === "string" && COMPONENT_NAME.test(title) && (out.type || out.oneOf)) {
    components[title] ??= out;
    return { $ref: `#/components/schemas/${title}` };
  }
  return out;
}

/** "GET /api/v1/data/things/{id}" -> "getThingsById": for routes that name no operationId. */
function derivedOperationId(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1\/data/, "")
    .split("/")
    .filter(Boolean)
    .map((part) => (part.startsWith("{") ? `by_${part.slice(1, -1)}` : part))
    .join("_")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

/** Finishes the document @fastify/swagger builds from the routes. */
export function finishDocument(document: Json): Json {
  const components = (document.components ?? {}) as Json;
  const schemas = (components.schemas ?? {}) as Json;
  const paths = hoistNamedSchemas(document.paths ?? {}, schemas) as Record<string, Json>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item) as Array<[string, Json]>) {
      operation.operationId ??= derivedOperationId(method, path);
      // @fastify/swagger names a HEAD operation "<id>-head": a route's own HEAD keeps its
      // id, the automatic one of a GET gets a name of its own.
      if (method === "head" && String(operation.operationId).endsWith("-head")) {
        const id = String(operation.operationId).slice(0, -"-head".length);
        const sharesGet = id === (item.get as Json | undefined)?.operationId;
        operation.operationId = sharesGet ? derivedOperationId("head", path) : id;
      }
      // Routes outside the authenticated scope (probes, docs) are public, and say so.
      operation.security ??= [];
      const body = RAW_BODIES[operation.operationId as string];
      if (body) operation.requestBody = body;
      // Every operation answers unknown failures with 500 in the Error shape.
      const responses = (operation.responses ?? {}) as Json;
      responses["500"] ??= {
        description: "A bug: the details are in the server's log",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      };
      operation.responses = responses;
    }
  }
  return { ...document, paths, components: { ...components, schemas } };
}

/** Options of @fastify/swagger: the OpenAPI 3.1 document of every route. */
export function openapiOptions(): SwaggerOptions {
  return {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: TITLE,
        description: DESCRIPTION,
        // The contract's version: /api/v1 stays compatible while this says 1.x.
        version: "1.1.0",
        license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      },
      servers: [
        { url: "/", description: "The API that serves this document" },
        { url: "http://127.0.0.1:8080", description: "`isa start` or `isa-api` on this machine" },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description: "A token for your user: `isa token --user <id>` prints a dev token",
          },
        },
      },
      tags: [
        { name: "files", description: "Your files: upload, list, download, delete" },
        { name: "analytics", description: "Your events, analyses, reports and SQL" },
        { name: "health", description: "Probes for load balancers and orchestrators" },
      ],
    },
    // HEAD /files/{path} is a route of its own (see routes/files.ts), worth documenting.
    exposeHeadRoutes: true,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
    transformObject: (documents) => {
      if (!("openapiObject" in documents)) return documents.swaggerObject;
      return finishDocument(documents.openapiObject as Json) as typeof documents.openapiObject;
    },
  };
}

/** Options of @fastify/swagger-ui: the branded /docs page, every asset served locally. */
export function docsPageOptions(): FastifySwaggerUiOptions {
  const logo = Buffer.from(LOGO_SVG);
  return {
    routePrefix: "/docs",
    logo: { type: "image/svg+xml", content: logo },
    theme: {
      title: `${TITLE} · docs`,
      favicon: [
        {
          filename: "favicon.svg",
          rel: "icon",
          sizes: "any",
          type: "image/svg+xml",
          content: logo,
        },
      ],
    },
    uiConfig: { docExpansion: "list", deepLinking: true, displayOperationId: true },
  };
}
