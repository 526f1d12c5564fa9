import { createApiClient } from "@isa-cloud/api-client";
import type { Command } from "commander";
import { apiCall } from "../api-call.js";
import type { ClientFlags } from "../config/settings.js";
import type { CliIo } from "../context.js";
import { createSink } from "../output/writers.js";
import { sampleEventsCsv } from "../sample-events.js";
import { openSession } from "../session.js";
import { examples, withClientOptions } from "./client-options.js";

export function registerDemo(program: Command, io: CliIo): void {
  withClientOptions(
    program
      .command("demo")
      .description(
        "load sample events through the HTTP API, then print an analysis and the key of a stored report",
      )
      .option(
        "--api <url>",
        "HTTP API base URL (default: $ISA_API_URL, the profile, http://127.0.0.1:8080)",
      )
      .option("-n, --events <n>", "how many sample events", (v) => Number.parseInt(v, 10), 1000)
      .addHelpText("after", examples("isa demo --events 5000")),
  ).action(async (flags: ClientFlags & { events: number }) => {
    const session = await openSession(io, flags);
    const baseUrl = session.settings.api.value!;
    // The generated client of the API (@isa-cloud/api-client): routes and bodies typed
    // from its OpenAPI document.
    const api = createApiClient({ baseUrl, token: session.token });
    const csv = Buffer.from(sampleEventsCsv(flags.events));
    const stored = await apiCall(
      baseUrl,
      api.POST("/api/v1/data/upload", {
        body: {
          file_name: "demo/events.csv",
          data: csv.toString("base64"),
          content_type: "text/csv",
        },
      }),
    );
    io.stdout.write(`1. uploaded ${stored.key} (${stored.size} bytes)\n`);
    const imported = await apiCall(
      baseUrl,
      api.POST("/api/v1/data/import", { body: { file_name: stored.key } }),
    );
    io.stdout.write(`2. imported ${imported.rows_imported} events into ${imported.table}\n`);
    const analysis = await apiCall(
      baseUrl,
      api.POST("/api/v1/data/analyze", {
        body: { start_date: "2024-01-01", end_date: "2024-01-31" },
      }),
    );
    io.stdout.write(`3. events per type, ${analysis.period}:\n`);
    const sink = createSink("table", io.stdout);
    await sink.start([
      { name: "event_type", type: "VARCHAR" },
      { name: "count", type: "BIGINT" },
      { name: "avg_duration", type: "DOUBLE" },
    ]);
    await sink.rows(analysis.events);
    await sink.end({ rowCount: analysis.events.length, truncated: false });
    const report = await apiCall(
      baseUrl,
      api.POST("/api/v1/data/report/{report_type}", {
        params: { path: { report_type: "daily_summary" } },
        body: { date: "2024-01-15" },
      }),
    );
    io.stdout.write(`4. stored report ${report.report_key}\n`);
    io.stdout.write(`   fetch it with: isa download ${report.report_key}\n`);
  });
}
