import { bucketHandlers } from "./bucket-handlers.js";
import type { Impl, ServiceDeps } from "./deps.js";
import { healthHandler } from "./health-handler.js";
import { multipartHandlers } from "./multipart-handlers.js";
import { objectHandlers } from "./object-handlers.js";
import { presignHandlers } from "./presign-handlers.js";

/** All 20 methods of isa.minio.MinIOService over one backend. */
export function createMinioServiceImpl(deps: ServiceDeps): Impl {
  return {
    ...bucketHandlers(deps),
    ...objectHandlers(deps),
    ...presignHandlers(deps),
    ...multipartHandlers(deps),
    ...healthHandler(deps),
  };
}
