import { isRequestId, newRequestId, REQUEST_ID_HEADER } from "@isa-cloud/rpc/wire";
import { type FastifyServerOptions, LogController } from "fastify";
import type { OperationsOptions } from "./operations-options.js";

/**
 * The Fastify constructor options operations need, spread last into `Fastify({...})`:
 * - request ids: a caller's `x-request-id` is kept only when it is a sane one
 *   (`isRequestId`), else a UUID is made, so a header cannot forge log lines;
 * - Fastify's own two lines per request are off: the access log writes one, with more in
 *   it, and is switched by `ISA_ACCESS_LOG` rather than by the log level;
 * - HTTPS when `tls` is given (mTLS with a client CA).
 */
export function operationsFastifyOptions(operations: OperationsOptions = {}): FastifyServerOptions {
  const options: FastifyServerOptions & { https?: unknown } = {
    requestIdHeader: false,
    genReqId: (request) => {
      const offered = request.headers[REQUEST_ID_HEADER];
      return isRequestId(offered) ? offered : newRequestId();
    },
    logController: new LogController({ disableRequestLogging: true }),
  };
  if (operations.tls) {
    const { cert, key, clientCa } = operations.tls;
    options.https = {
      cert,
      key,
      ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    };
  }
  return options;
}
