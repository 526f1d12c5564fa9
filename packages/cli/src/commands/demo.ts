import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import type { ClientFlags, CliIo } from "../context.js";
import { sampleEventsCsv } from "../sample-events.js";
import { renderTable } from "../table.js";
import { clientOf, withClientOptions } from "./transfer.js";

export function registerDemo(program: Command, io: CliIo): void {
  withClientOptions(
    program
      .command("demo")
      .description("load sample events, then print an analysis and the key of a stored report")
      .option("-n, --events <n>", "how many sample events", (v) => Number.parseInt(v, 10), 1000),
  ).action(async (flags: ClientFlags & { events: number }) => {
    const client = await clientOf(io, flags);
    const dir = await mkdtemp(join(tmpdir(), "isa-demo-"));
    try {
      const local = join(dir, "events.csv");
      await writeFile(local, sampleEventsCsv(flags.events));
      const stored = await client.upload(local, "demo/events.csv");
      io.stdout.write(`1. uploaded ${stored.key} (${stored.size} bytes)\n`);
      const imported = await client.importFile(stored.key);
      io.stdout.write(`2. imported ${imported.rows_imported} events into ${imported.table}\n`);
      const analysis = await client.analyze("2024-01-01", "2024-01-31");
      io.stdout.write(`3. events per type, ${analysis.period}:\n`);
      io.stdout.write(
        `${renderTable(
          [{ name: "event_type" }, { name: "count" }, { name: "avg_duration" }],
          analysis.events,
        )}\n`,
      );
      const report = await client.report("daily_summary", { date: "2024-01-15" });
      io.stdout.write(`4. stored report ${report.report_key}\n`);
      io.stdout.write(`   fetch it with: isa download ${report.report_key}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
