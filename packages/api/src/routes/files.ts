import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { DataService } from "@isa-cloud/data-service";
import { deleteRoutes } from "./file-delete-routes.js";
import { downloadRoutes } from "./file-download-routes.js";
import { listRoutes } from "./file-list-routes.js";
import { uploadRoutes } from "./file-upload-routes.js";

export { decodeBase64, MAX_FILES_PER_UPLOAD } from "./file-upload-routes.js";

export interface FileRoutesOptions {
  data: DataService;
  /** Largest body of a streamed upload (and of each file of a multipart upload), in bytes. */
  maxUploadBytes: number;
}

/** The Fastify instance the file routes are added to. */
export type FilesApp = Parameters<FastifyPluginAsyncTypebox<FileRoutesOptions>>[0];

/**
 * The file routes, one module per concern: uploads (file-upload-routes.ts), listing
 * (file-list-routes.ts), download and HEAD (file-download-routes.ts), delete
 * (file-delete-routes.ts); what they read from a request is in file-request.ts. They
 * are added in this order, which is also the order of the OpenAPI document.
 */
export const fileRoutes: FastifyPluginAsyncTypebox<FileRoutesOptions> = async (app, options) => {
  await uploadRoutes(app, options);
  listRoutes(app, options.data);
  downloadRoutes(app, options.data);
  deleteRoutes(app, options.data);
};
