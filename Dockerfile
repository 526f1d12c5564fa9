# syntax=docker/dockerfile:1
# One image for every role of isa-cloud, `isa` as its entry:
#   docker run isa-cloud                                   storage, analytics and the API together
#   docker run isa-cloud start --only storage --host 0.0.0.0   one role (compose.yaml, deploy/k8s)
# Checked against the code by packages/deploy-check (variables, ports, the health check).

# --- build: install with the lockfile, generate, compile, then a production-only copy of
# the isa command and its workspace dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@12.4.2
COPY . .
RUN pnpm install --frozen-lockfile
RUN pnpm build
RUN pnpm --filter @isa-cloud/cli deploy --prod /app

# --- run: no compilers, no dev dependencies, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    ISA_DATA_DIR=/data \
    UV_THREADPOOL_SIZE=16
WORKDIR /app
COPY --from=build /app /app
COPY deploy/healthcheck.mjs /app/healthcheck.mjs
RUN printf '#!/bin/sh\nexec node /app/dist/launcher.cjs "$@"\n' > /usr/local/bin/isa \
 && chmod 755 /usr/local/bin/isa \
 && mkdir -p /data \
 && chown node:node /data
# The node image's unprivileged user (uid 1000).
USER node
VOLUME /data
# storage gRPC, presigned URLs, analytics gRPC, Postgres wire, HTTP API, metrics of
# storage and analytics.
EXPOSE 50051 50080 50052 5433 8080 9091 9092
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["isa"]
CMD ["start", "--host", "0.0.0.0"]
