import type { AddressInfo } from "node:net";
import { isLoopbackHost } from "@isa-cloud/rpc/wire";
import { type AuthConfig, DEV_JWT_SECRET, signToken } from "@isa-cloud/rpc-server";
import type { FastifyInstance } from "fastify";
import { HttpProblem } from "../http-problem.js";

export interface DevTokenRoutesOptions {
  /** The API's auth settings: dev sign-in needs an HS256 secret to sign with. */
  auth: AuthConfig | ((token: string) => Promise<unknown>);
  /**
   * Whether the configured HS256 secret is a dev secret too (`isa start`'s, kept in its
   * data directory). The built-in DEV_JWT_SECRET always is.
   */
  devSecret: boolean;
}

/** Lifetime of a dev token: a working day, like `isa start`'s. */
const DEV_TOKEN_HOURS = 8;

/**
 * Why dev sign-in is off, or undefined when it is on. It is on only while the API checks
 * tokens with a dev secret (the public built-in one, or `isa start`'s, which any local
 * user can read from the data directory or mint with `isa token`) and listens on
 * loopback, for a caller on this machine: this route adds no power over what a local
 * user already has.
 */
function devSignInRefusal(
  app: FastifyInstance,
  { auth, devSecret }: DevTokenRoutesOptions,
  remoteAddress: string | undefined,
): string | undefined {
  const secret = typeof auth === "function" ? undefined : auth.hs256Secret;
  if (!secret || (secret !== DEV_JWT_SECRET && !devSecret)) {
    return "dev sign-in is off: this API checks tokens with a configured secret or key; paste a token (`isa token --user <id>` prints one)";
  }
  const address = app.server.address() as AddressInfo | null;
  if (!address || !isLoopbackHost(address.address) || !isLoopbackHost(remoteAddress ?? "")) {
    return "dev sign-in is off: it works only on an API that listens on loopback, from the same machine";
  }
  return undefined;
}

/**
 * `GET /api/v1/dev/token` says whether dev sign-in is available; `POST` with
 * `{ user_id }` mints a token for that user. For the console's one-click sign-in.
 */
export async function devTokenRoutes(
  app: FastifyInstance,
  options: DevTokenRoutesOptions,
): Promise<void> {
  app.get(
    "/api/v1/dev/token",
    {
      schema: {
        tags: ["dev"],
        summary: "Whether one-click dev sign-in is available",
        response: {
          200: {
            type: "object",
            required: ["available"],
            properties: { available: { type: "boolean" }, reason: { type: "string" } },
          },
        },
      },
    },
    async (request) => {
      const reason = devSignInRefusal(app, options, request.socket.remoteAddress);
      return reason ? { available: false, reason } : { available: true };
    },
  );

  app.post<{ Body: { user_id: string } }>(
    "/api/v1/dev/token",
    {
      schema: {
        tags: ["dev"],
        summary: "Mint a dev token (loopback API with the built-in dev secret only)",
        body: {
          type: "object",
          required: ["user_id"],
          additionalProperties: false,
          properties: {
            user_id: {
              type: "string",
              minLength: 1,
              maxLength: 128,
              pattern: "^[A-Za-z0-9][A-Za-z0-9._@-]*$",
              description: "Who to sign in as: letters, digits, . _ @ -",
            },
          },
        },
        response: {
          201: {
            type: "object",
            required: ["token", "user_id", "expires_in_seconds"],
            properties: {
              token: { type: "string" },
              user_id: { type: "string" },
              expires_in_seconds: { type: "integer" },
            },
          },
          404: { $ref: "Error#" },
        },
      },
    },
    async (request, reply) => {
      const reason = devSignInRefusal(app, options, request.socket.remoteAddress);
      if (reason) throw new HttpProblem(404, "not_found", reason);
      const userId = request.body.user_id;
      const token = await signToken({
        secret: (options.auth as AuthConfig).hs256Secret as string,
        sub: userId,
        expiresIn: `${DEV_TOKEN_HOURS}h`,
      });
      return reply
        .code(201)
        .header("cache-control", "no-store")
        .send({ token, user_id: userId, expires_in_seconds: DEV_TOKEN_HOURS * 3600 });
    },
  );
}
