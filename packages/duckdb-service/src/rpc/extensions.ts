import { ServerError, Status } from "nice-grpc";
import { findDatabase, type Impl, type ServiceContext } from "./service-context.js";

/** InstallExtension, ListExtensions: what the engine build has; nothing installs at run time. */
export function extensionMethods(
  ctx: ServiceContext,
): Pick<Impl, "installExtension" | "listExtensions"> {
  return {
    async installExtension(request, context) {
      await findDatabase(ctx, context, request);
      const name = request.extensionName.trim().toLowerCase();
      if (!/^[a-z0-9_]{1,64}$/.test(name)) {
        throw new ServerError(
          Status.INVALID_ARGUMENT,
          "extension_name must be an extension's name",
        );
      }
      const extension = ctx.engine.extensions.find((e) => e.name === name);
      if (extension?.builtIn) {
        return { success: true, message: `${name} is built in and already loaded` };
      }
      throw new ServerError(
        Status.FAILED_PRECONDITION,
        `extension ${name} is not built into this server, and extensions cannot be installed ` +
          `at run time (databases are sandboxed); built in: ${builtInExtensions(ctx).join(", ")}`,
      );
    },

    async listExtensions(request, context) {
      await findDatabase(ctx, context, request);
      return {
        success: true,
        extensions: ctx.engine.extensions.map((e) => ({
          name: e.name,
          version: e.version,
          installed: e.builtIn,
          loaded: e.builtIn,
          description: e.description,
        })),
      };
    },
  };
}

export function builtInExtensions(ctx: ServiceContext): string[] {
  return ctx.engine.extensions.filter((e) => e.builtIn).map((e) => e.name);
}
