import { resolve } from "node:path";
import type { Command } from "commander";
import {
  checkProfileName,
  configPath,
  PROFILE_KEYS,
  type Profile,
  readConfig,
  updateProfile,
  writeConfig,
} from "../config/config-file.js";
import { type ClientFlags, resolveSettings } from "../config/settings.js";
import { type CliIo, UsageError } from "../context.js";
import { jsonText } from "../output/values.js";
import { openSession } from "../session.js";
import { examples, withClientOptions } from "./client-options.js";

type LoginFlags = Partial<Record<keyof Profile, string>> & { profile: string; check: boolean };

function redact(key: string, value: string | undefined): string | undefined {
  return key === "token" && value ? `${value.slice(0, 12)}…` : value;
}

export function registerConfig(program: Command, io: CliIo): void {
  program
    .command("login")
    .description(
      "save where a stack is and who you are there as a named profile, and make it current",
    )
    .option("-P, --profile <name>", "profile name", "default")
    .option("--storage <host:port>", "storage gRPC address")
    .option("--analytics <host:port>", "analytics gRPC address")
    .option("--api <url>", "HTTP API base URL (for isa demo)")
    .option("-t, --token <jwt>", "bearer token to send (e.g. from your identity provider)")
    .option(
      "-u, --user <id>",
      "without a token: act as this user with dev tokens minted from --data-dir's secret",
    )
    .option("-d, --data-dir <dir>", "the stack's data directory (holds .isa-secret)")
    .option("--bucket <name>", "bucket of upload/download/import/export (default data)")
    .option("--no-check", "save without trying the connection")
    .addHelpText(
      "after",
      examples(
        'isa login --profile prod --storage storage.example.com:50051 --analytics analytics.example.com:50052 --token "$TOKEN"',
        "isa login --profile alice --user alice --data-dir ~/isa-cloud/data",
      ),
    )
    .action(async (flags: LoginFlags) => {
      checkProfileName(flags.profile);
      const changes: Partial<Record<keyof Profile, string>> = {};
      for (const key of PROFILE_KEYS) if (flags[key] !== undefined) changes[key] = flags[key];
      if (changes.dataDir) changes.dataDir = resolve(io.cwd, changes.dataDir);
      const before = await readConfig(io);
      const path = await updateProfile(io, flags.profile, changes, { makeCurrent: true });
      if (flags.check) {
        try {
          const session = await openSession(io, { profile: flags.profile });
          await session.storage().listBuckets();
          io.stdout.write(`signed in to ${session.settings.storage.value} as ${session.user}\n`);
        } catch (err) {
          // Leave the config as it was: a profile that does not work is not saved.
          await writeConfig(io, before);
          throw err;
        }
      }
      io.stdout.write(`profile ${flags.profile} saved in ${path} (current)\n`);
    });

  const config = program
    .command("config")
    .description("show and change profiles (in $XDG_CONFIG_HOME/isa/config.json)")
    .addHelpText(
      "after",
      examples(
        "isa config show",
        "isa config use prod",
        "isa config set bucket reports --profile prod",
      ),
    );

  withClientOptions(
    config
      .command("show")
      .description(
        "the settings a command would use, and where each comes from (flag > env > profile > default)",
      )
      .option("--json", "as JSON")
      .addHelpText("after", examples("isa config show", "ISA_PROFILE=prod isa config show --json")),
  ).action(async (flags: ClientFlags & { json?: boolean }) => {
    const s = await resolveSettings(io, flags);
    const rows = {
      profile: { value: s.profile, source: s.profileSource },
      storage: s.storage,
      analytics: s.analytics,
      api: s.api,
      token: { value: redact("token", s.token.value), source: s.token.source },
      user: s.token.value ? { value: undefined, source: "from the token" } : s.user,
      dataDir: s.dataDir,
      bucket: s.bucket,
    };
    if (flags.json) {
      io.stdout.write(
        `${jsonText({ config: s.configPath, settings: rows, warnings: s.warnings })}\n`,
      );
      return;
    }
    io.stdout.write(`config file: ${s.configPath}\n`);
    for (const [key, { value, source }] of Object.entries(rows)) {
      io.stdout.write(`${key.padEnd(10)} ${(value ?? "-").padEnd(40)} ${source}\n`);
    }
    for (const warning of s.warnings) io.stdout.write(`warning: ${warning}\n`);
  });

  config
    .command("list")
    .description("every profile; * marks the current one")
    .addHelpText("after", examples("isa config list"))
    .action(async () => {
      const file = await readConfig(io);
      const names = Object.keys(file.profiles);
      if (names.length === 0)
        io.stdout.write(`no profiles in ${configPath(io)}: run \`isa start\` or \`isa login\`\n`);
      for (const name of names) {
        const p = file.profiles[name]!;
        io.stdout.write(
          `${name === file.current ? "*" : " "} ${name.padEnd(16)} storage ${p.storage ?? "-"}  analytics ${p.analytics ?? "-"}\n`,
        );
      }
    });

  config
    .command("use")
    .description("make a profile the current one")
    .argument("<profile>", "profile name")
    .addHelpText("after", examples("isa config use local"))
    .action(async (name: string) => {
      const file = await readConfig(io);
      if (!file.profiles[name]) {
        throw new UsageError(
          `no profile "${name}" in ${configPath(io)}; profiles: ${Object.keys(file.profiles).join(", ") || "none"}`,
        );
      }
      file.current = name;
      await writeConfig(io, file);
      io.stdout.write(`current profile: ${name}\n`);
    });

  const keyOf = (key: string): keyof Profile => {
    if (!(PROFILE_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(
        `"${key}" is not a profile setting; settings: ${PROFILE_KEYS.join(", ")}`,
      );
    }
    return key as keyof Profile;
  };

  config
    .command("set")
    .description("set one setting of a profile")
    .argument("<key>", PROFILE_KEYS.join(", "))
    .argument("<value>", "its value")
    .option("-P, --profile <name>", "profile (default: the current one)")
    .addHelpText("after", examples("isa config set storage 10.0.0.5:50051 --profile prod"))
    .action(async (key: string, value: string, flags: { profile?: string }) => {
      const name = flags.profile ?? (await readConfig(io)).current ?? "default";
      const path = await updateProfile(io, name, { [keyOf(key)]: value });
      io.stdout.write(`${name}.${key} set in ${path}\n`);
    });

  config
    .command("unset")
    .description("remove one setting of a profile")
    .argument("<key>", PROFILE_KEYS.join(", "))
    .option("-P, --profile <name>", "profile (default: the current one)")
    .addHelpText("after", examples("isa config unset token --profile prod"))
    .action(async (key: string, flags: { profile?: string }) => {
      const name = flags.profile ?? (await readConfig(io)).current ?? "default";
      const path = await updateProfile(io, name, { [keyOf(key)]: undefined });
      io.stdout.write(`${name}.${key} removed in ${path}\n`);
    });
}
