import { createInterface } from "node:readline/promises";
import type { ObjectInfo } from "@isa-cloud/minio-client";
import type { Command } from "commander";
import type { ClientFlags } from "../config/settings.js";
import { type CliIo, ExitCode, UsageError, writeOut } from "../context.js";
import { jsonText } from "../output/values.js";
import { formatBytes } from "../progress.js";
import { formatRemote, parseRemote, REMOTE_SCHEME } from "../remote-path.js";
import { openSession } from "../session.js";
import { prefixOf } from "../transfer/endpoints.js";
import { examples, withClientOptions } from "./client-options.js";

interface JsonFlag extends ClientFlags {
  json?: boolean;
}

function date(d: Date): string {
  return d.toISOString().replace("T", " ").slice(0, 19);
}

/** "15m", "1h", "7d" as seconds. */
export function parseExpiry(text: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(text);
  const unit = match ? { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as "s"] : 0;
  const seconds = match ? Number(match[1]) * unit : 0;
  if (!(seconds >= 1 && seconds <= 604_800)) {
    throw new UsageError(
      `--expires takes a number and a unit (s, m, h, d) up to 7d, e.g. "1h"; got "${text}"`,
    );
  }
  return seconds;
}

/** Asks yes/no on the terminal; anything but y/yes is no. */
async function confirm(io: CliIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin!, output: io.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function registerStorage(program: Command, io: CliIo): void {
  withClientOptions(
    program
      .command("ls")
      .description("list your buckets, or the objects and folders under bucket/prefix")
      .argument("[path]", `bucket or bucket/prefix (${REMOTE_SCHEME} optional)`)
      .option("-r, --recursive", "every object under the prefix, not folder by folder")
      .option("--json", "one JSON object per line")
      .addHelpText("after", examples("isa ls", "isa ls data/raw/", "isa ls -r data --json")),
  ).action(async (path: string | undefined, flags: JsonFlag & { recursive?: boolean }) => {
    const session = await openSession(io, flags);
    const storage = session.storage();
    const line = (json: unknown, text: string) =>
      writeOut(io.stdout, `${flags.json ? jsonText(json) : text}\n`);
    if (path === undefined) {
      for (const b of await storage.listBuckets()) {
        await line(
          { bucket: b.name, created: b.creationDate.toISOString() },
          `[${date(b.creationDate)}]      PRE ${b.name}/`,
        );
      }
      return;
    }
    const remote = parseRemote(path);
    let count = 0;
    let bytes = 0;
    const listing = storage.listObjects(remote.bucket, {
      prefix: remote.key,
      ...(flags.recursive ? { recursive: true } : { delimiter: "/" }),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    for await (const item of listing) {
      if ("key" in item) {
        count += 1;
        bytes += item.size;
        await line(
          {
            key: item.key,
            size: item.size,
            etag: item.etag,
            last_modified: item.lastModified.toISOString(),
          },
          `[${date(item.lastModified)}] ${formatBytes(item.size).padStart(10)} ${item.key}`,
        );
      } else {
        await line(
          { prefix: item.prefix },
          `${"".padStart(21)} ${"PRE".padStart(10)} ${item.prefix}`,
        );
      }
    }
    if (!flags.json && !flags.quiet && flags.recursive) {
      io.stderr.write(`${count} object${count === 1 ? "" : "s"}, ${formatBytes(bytes)}\n`);
    }
  });

  withClientOptions(
    program
      .command("stat")
      .description("an object's size, ETag, type, date and metadata, or a bucket's totals")
      .argument("<path>", "bucket/key or bucket")
      .option("--json", "as JSON")
      .addHelpText("after", examples("isa stat data/raw/events.csv", "isa stat data --json")),
  ).action(async (path: string, flags: JsonFlag) => {
    const remote = parseRemote(path);
    const session = await openSession(io, flags);
    if (remote.key === "") {
      const b = await session.storage().getBucketInfo(remote.bucket);
      const json = {
        bucket: b.name,
        created: b.creationDate.toISOString(),
        objects: b.objectCount,
        size: b.sizeBytes,
        region: b.region,
      };
      io.stdout.write(
        flags.json
          ? `${jsonText(json)}\n`
          : `Bucket  : ${b.name}\nCreated : ${date(b.creationDate)}\nObjects : ${b.objectCount}\nSize    : ${formatBytes(b.sizeBytes)} (${b.sizeBytes} bytes)\n`,
      );
      return;
    }
    const o: ObjectInfo = await session.storage().statObject(remote.bucket, remote.key);
    const json = {
      key: o.key,
      size: o.size,
      etag: o.etag,
      content_type: o.contentType,
      last_modified: o.lastModified.toISOString(),
      metadata: o.metadata,
    };
    io.stdout.write(
      flags.json
        ? `${jsonText(json)}\n`
        : `Name    : ${formatRemote(remote)}\nSize    : ${formatBytes(o.size)} (${o.size} bytes)\nETag    : ${o.etag}\nType    : ${o.contentType}\nDate    : ${date(o.lastModified)}\n${Object.entries(
            o.metadata,
          )
            .map(([k, v]) => `Meta    : ${k}=${v}\n`)
            .join("")}`,
    );
  });

  withClientOptions(
    program
      .command("cat")
      .description("write an object's bytes to stdout")
      .argument("<path>", "bucket/key")
      .addHelpText("after", examples("isa cat data/raw/events.csv | head")),
  ).action(async (path: string, flags: ClientFlags) => {
    const remote = parseRemote(path);
    if (remote.key === "" || remote.key.endsWith("/"))
      throw new UsageError(`${path} is not an object: give bucket/key`);
    const session = await openSession(io, flags);
    const { stream } = await session
      .storage()
      .getObjectStream(remote.bucket, remote.key, io.signal ? { signal: io.signal } : {});
    for await (const chunk of stream) await writeOut(io.stdout, chunk as Buffer);
  });

  withClientOptions(
    program
      .command("mb")
      .description("make a bucket")
      .argument("<bucket>", "3-63 lower-case letters, digits, . and -")
      .option("-p, --ignore-existing", "no error when it exists")
      .addHelpText("after", examples("isa mb reports")),
  ).action(async (name: string, flags: ClientFlags & { ignoreExisting?: boolean }) => {
    const remote = parseRemote(name);
    if (remote.key !== "") throw new UsageError(`${name}: a bucket name has no "/"`);
    const session = await openSession(io, flags);
    try {
      await session.storage().createBucket(remote.bucket);
    } catch (err) {
      if (!(flags.ignoreExisting && err instanceof Error && err.name === "AlreadyExistsError"))
        throw err;
    }
    if (!flags.quiet) io.stdout.write(`bucket ${remote.bucket} ready\n`);
  });

  withClientOptions(
    program
      .command("rb")
      .description("remove a bucket (with --force, and everything in it)")
      .argument("<bucket>", "bucket name")
      .option("--force", "also delete every object in it")
      .addHelpText("after", examples("isa rb scratch --force")),
  ).action(async (name: string, flags: ClientFlags & { force?: boolean }) => {
    const remote = parseRemote(name);
    if (remote.key !== "") throw new UsageError(`${name}: a bucket name has no "/"`);
    const session = await openSession(io, flags);
    const { deletedObjects } = await session
      .storage()
      .deleteBucket(remote.bucket, { force: Boolean(flags.force) });
    if (!flags.quiet)
      io.stdout.write(
        `removed bucket ${remote.bucket}${deletedObjects ? ` and ${deletedObjects} objects` : ""}\n`,
      );
  });

  withClientOptions(
    program
      .command("rm")
      .description("remove objects; with -r everything under a prefix (asks first on a terminal)")
      .argument("<paths...>", "bucket/key, or bucket/prefix with -r")
      .option("-r, --recursive", "everything under each prefix")
      .option("--force", "do not ask, and a missing object is not an error")
      .addHelpText("after", examples("isa rm data/raw/events.csv", "isa rm -r data/tmp/ --force")),
  ).action(
    async (paths: string[], flags: ClientFlags & { recursive?: boolean; force?: boolean }) => {
      const remotes = paths.map((p) => parseRemote(p));
      const session = await openSession(io, flags);
      const storage = session.storage();
      let failed = 0;
      let removed = 0;
      for (const [i, remote] of remotes.entries()) {
        if (!flags.recursive) {
          if (remote.key === "" || remote.key.endsWith("/"))
            throw new UsageError(`${paths[i]} is a bucket or prefix: use -r`);
          if (!flags.force) await storage.statObject(remote.bucket, remote.key); // a missing object is an error
          await storage.deleteObject(remote.bucket, remote.key);
          removed += 1;
          continue;
        }
        const keys: string[] = [];
        for await (const item of storage.listObjects(remote.bucket, {
          prefix: prefixOf(remote),
          recursive: true,
        })) {
          if ("key" in item) keys.push(item.key);
        }
        if (keys.length === 0) {
          if (!flags.force) throw new UsageError(`nothing under ${formatRemote(remote)}`);
          continue;
        }
        if (!flags.force) {
          if (!io.stdin?.isTTY) {
            throw new UsageError(
              `rm -r of ${keys.length} objects under ${formatRemote(remote)} needs --force when not run in a terminal`,
            );
          }
          if (
            !(await confirm(io, `delete ${keys.length} objects under ${formatRemote(remote)}?`))
          ) {
            io.stderr.write("nothing deleted\n");
            continue;
          }
        }
        const { deleted, errors } = await storage.deleteObjects(remote.bucket, keys);
        removed += deleted.length;
        for (const e of errors) io.stderr.write(`isa: cannot delete ${e.key}: ${e.message}\n`);
        failed += errors.length;
      }
      if (!flags.quiet) io.stdout.write(`removed ${removed} object${removed === 1 ? "" : "s"}\n`);
      if (failed > 0) throw new ExitCode(1);
    },
  );

  const presign = async (path: string, flags: ClientFlags & { put?: boolean; expires: string }) => {
    const remote = parseRemote(path);
    if (remote.key === "" || remote.key.endsWith("/"))
      throw new UsageError(`${path} is not an object: give bucket/key`);
    const expirySeconds = parseExpiry(flags.expires);
    const session = await openSession(io, flags);
    const storage = session.storage();
    return flags.put
      ? storage.presignedPutUrl(remote.bucket, remote.key, { expirySeconds })
      : storage.presignedGetUrl(remote.bucket, remote.key, { expirySeconds });
  };

  withClientOptions(
    program
      .command("presign")
      .description(
        "print a presigned URL: GET (download) or, with --put, PUT (upload), no token needed",
      )
      .argument("<path>", "bucket/key")
      .option("--put", "a URL to upload to")
      .option("-e, --expires <duration>", "lifetime, up to 7d", "1h")
      .addHelpText(
        "after",
        examples(
          'curl -o e.csv "$(isa presign data/raw/events.csv)"',
          'curl -T e.csv "$(isa presign --put data/raw/e.csv)"',
        ),
      ),
  ).action(async (path: string, flags: ClientFlags & { put?: boolean; expires: string }) => {
    io.stdout.write(`${(await presign(path, flags)).url}\n`);
  });

  withClientOptions(
    program
      .command("share")
      .description("share an object: a download link and a curl line, valid for --expires")
      .argument("<path>", "bucket/key")
      .option("-e, --expires <duration>", "lifetime, up to 7d", "7d")
      .addHelpText("after", examples("isa share data/reports/q1.json --expires 1d")),
  ).action(async (path: string, flags: ClientFlags & { expires: string }) => {
    const { url, expiresAt } = await presign(path, flags);
    io.stdout.write(
      `URL     : ${url}\nExpires : ${expiresAt.toISOString()}\nShare   : curl -fsSLo '${path.split("/").at(-1)}' '${url}'\n`,
    );
  });
}
