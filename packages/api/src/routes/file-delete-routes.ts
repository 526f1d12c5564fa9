import { Type } from "@fastify/type-provider-typebox";
import type { DataService } from "@isa-cloud/data-service";
import type { FastifyReply, FastifyRequest } from "fastify";
import { callerOf } from "../caller.js";
import { errorResponses, fileName, filePathParams, userIdQuery } from "../schemas.js";
import { checkWritePreconditions, keyOf } from "./file-request.js";
import type { FilesApp } from "./files.js";

/** DELETE /files/{path}, with If-Match. */
export function deleteRoutes(app: FilesApp, data: DataService): void {
  const remove = async (request: FastifyRequest, reply: FastifyReply) => {
    const { caller, userId } = callerOf(data, request);
    const key = keyOf(request);
    await checkWritePreconditions(request, caller, userId, key);
    await caller.deleteUserFile(userId, key);
    return reply.code(204).send();
  };
  const deleteSchema = {
    tags: ["files"],
    summary: "Delete a file",
    description: "`If-Match: <etag>` deletes only that version (else 412).",
    querystring: userIdQuery,
    response: { 204: { description: "Deleted", type: "null" }, ...errorResponses(403, 404, 412) },
  };
  app.delete(
    "/files/:path",
    { schema: { ...deleteSchema, operationId: "deleteFile", params: filePathParams } },
    remove,
  );
  app.delete(
    "/files/*",
    { schema: { ...deleteSchema, hide: true, params: Type.Object({ "*": fileName }) } },
    remove,
  );
}
