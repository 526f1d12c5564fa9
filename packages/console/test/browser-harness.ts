import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataService, StorageService } from "@isa-cloud/data-service";
import { DEV_JWT_SECRET } from "@isa-cloud/rpc-server";
import { startTestStack } from "@isa-cloud/testing";
import type { FastifyInstance } from "fastify";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = new URL("../test-artifacts/", import.meta.url).pathname;

/**
 * The API is loaded from its build: it depends on this package (it serves the console),
 * so this package cannot depend on it back without a cycle in the workspace graph.
 */
const API_ENTRY = new URL("../../api/dist/index.js", import.meta.url);

type BuildApp = (options: {
  dataService: DataService;
  auth: { hs256Secret: string };
  rateLimit: false;
}) => Promise<FastifyInstance>;

/**
 * A real stack (storage + analytics over the dev secret, so dev sign-in is on), the API
 * with the built console on a loopback port, and headless Chromium. `errors` collects
 * every console error, page error, failed request and error status the page sees.
 */
export async function startConsoleHarness() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM}: run \`bash scripts/install-system-deps.sh\`, then run the browser suite again`,
    );
  }
  if (!existsSync(API_ENTRY)) {
    throw new Error("the API is not built: run `pnpm --filter @isa-cloud/api... build` first");
  }
  const { buildApp } = (await import(API_ENTRY.href)) as { buildApp: BuildApp };
  await mkdir(ARTIFACTS, { recursive: true });
  const stack = await startTestStack({ secret: DEV_JWT_SECRET });
  const storage = new StorageService({
    minioAddress: stack.storage.address,
    duckdbAddress: stack.analytics.address,
  });
  const app = await buildApp({
    dataService: new DataService(storage),
    auth: { hs256Secret: DEV_JWT_SECRET },
    rateLimit: false,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const profile = await mkdtemp(join(tmpdir(), "isa-console-chromium-"));
  // A fresh profile per run: no state from another run or person leaks in.
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (err) {
    await app.close();
    storage.close();
    await stack.close();
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  watch(page, errors);

  return {
    baseUrl,
    page,
    errors,
    stack,
    async screenshot(name: string) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      await app.close();
      storage.close();
      await stack.close();
    },
  };
}

function watch(page: Page, errors: string[]): void {
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) =>
    errors.push(
      `request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`,
    ),
  );
  page.on("response", (response) => {
    if (response.status() >= 400)
      errors.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
}
