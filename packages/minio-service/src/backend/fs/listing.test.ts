import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareUtf8 } from "../../compare-utf8.js";
import type { BucketLocation } from "../../tenant.js";
import type { BucketMeta, ListEntry } from "../backend.js";
import { FsBackend } from "./fs-backend.js";

// Keys chosen to trip naive orderings: '-' and '.' sort before '/', empty segments, a key
// that is also a "directory", characters above U+FFFF against U+E000-U+FFFF.
const KEYS = [
  "a",
  "a-b",
  "a.b",
  "a/",
  "a//x",
  "a/b",
  "a/b/c",
  "a/b-c",
  "a/b/c/d",
  "a0",
  "b\ue000",
  "b😀",
  "b/\uffff/z",
  "Caps/Key",
  "z",
];

/** S3's ListObjects over a sorted key list: what every page sequence must add up to. */
function reference(prefix: string, delimiter: string, startAfter: string): string[] {
  const out: string[] = [];
  for (const key of [...KEYS].sort(compareUtf8)) {
    if (!key.startsWith(prefix) || compareUtf8(key, startAfter) <= 0) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const entry = cut >= 0 ? key.slice(0, cut + delimiter.length) : key;
    if (out.at(-1) !== entry) out.push(entry);
  }
  return out;
}

describe("filesystem backend listing", () => {
  let dir: string;
  let backend: FsBackend;
  const loc: BucketLocation = { tenant: { kind: "user", id: "lister" }, bucket: "keys" };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "isa-fs-list-"));
    backend = new FsBackend({
      root: dir,
      presignSecret: "s",
      publicUrl: () => "http://localhost",
      logger: pino({ level: "silent" }),
    });
    await backend.start();
    const meta: BucketMeta = {
      name: "keys",
      tenant: loc.tenant,
      ownerId: "lister",
      organizationId: "",
      region: "us-east-1",
      tags: {},
      createdAt: new Date().toISOString(),
      policy: { type: "private", custom: "" },
    };
    await backend.createBucket(loc, meta);
    for (const key of [...KEYS].reverse()) {
      await backend.putObject(
        loc,
        key,
        (async function* () {
          yield Buffer.from(key);
        })(),
        { contentType: "text/plain", metadata: {}, ownerId: "lister" },
      );
    }
  });
  afterAll(async () => {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string, string]> = [
    ["", "", ""],
    ["", "/", ""],
    ["a", "/", ""],
    ["a/", "/", ""],
    ["a/b", "/", ""],
    ["a/", "/", "a/b"],
    ["", "/", "a/b/c"],
    ["", "-", ""],
    ["a/", "b", ""],
    ["b", "", "b\ue000"],
    ["", "//", ""],
    ["nothing-here", "/", ""],
  ];

  it.each(cases)(
    "pages through prefix %j, delimiter %j, start_after %j as S3 would",
    async (prefix, delimiter, startAfter) => {
      const expected = reference(prefix, delimiter, startAfter);
      for (const limit of [1, 2, 3, 1000]) {
        const seen: string[] = [];
        let position = { after: startAfter, isPrefix: false };
        for (let pages = 0; pages < 100; pages++) {
          const page = await backend.listObjects(loc, {
            prefix,
            delimiter,
            startAfter: position.after,
            startAfterIsPrefix: position.isPrefix,
            limit,
          });
          expect(page.entries.length).toBeLessThanOrEqual(limit);
          seen.push(...page.entries.map(name));
          const last = page.entries.at(-1);
          if (!page.truncated || !last) break;
          position =
            last.kind === "prefix"
              ? { after: last.prefix, isPrefix: true }
              : { after: last.object.key, isPrefix: false };
        }
        expect(seen, `limit ${limit}`).toEqual(expected);
      }
    },
  );

  it("counts size and objects", async () => {
    const usage = await backend.bucketUsage(loc);
    expect(usage.objectCount).toBe(KEYS.length);
    expect(usage.sizeBytes).toBe(KEYS.reduce((sum, key) => sum + Buffer.byteLength(key), 0));
  });
});

describe("filesystem backend listing after changes", () => {
  const loc: BucketLocation = { tenant: { kind: "user", id: "changer" }, bucket: "live" };
  const body = (text: string) =>
    (async function* () {
      yield Buffer.from(text);
    })();
  const put = (backend: FsBackend, key: string, text: string) =>
    backend.putObject(loc, key, body(text), {
      contentType: "text/plain",
      metadata: {},
      ownerId: "changer",
    });
  const listed = async (backend: FsBackend, delimiter = "") =>
    (
      await backend.listObjects(loc, {
        prefix: "",
        delimiter,
        startAfter: "",
        startAfterIsPrefix: false,
        limit: 1000,
      })
    ).entries.map((e) => (e.kind === "prefix" ? e.prefix : `${e.object.key}:${e.object.size}`));

  it("shows every put, overwrite and delete made after an earlier listing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "isa-fs-list-live-"));
    const open = async () => {
      const backend = new FsBackend({
        root: dir,
        presignSecret: "s",
        publicUrl: () => "http://localhost",
        logger: pino({ level: "silent" }),
      });
      await backend.start();
      return backend;
    };
    let backend = await open();
    try {
      await backend.createBucket(loc, {
        name: "live",
        tenant: loc.tenant,
        ownerId: "changer",
        organizationId: "",
        region: "us-east-1",
        tags: {},
        createdAt: new Date().toISOString(),
        policy: { type: "private", custom: "" },
      });
      await put(backend, "a", "1");
      await put(backend, "b", "1");
      expect(await listed(backend)).toEqual(["a:1", "b:1"]);
      expect(await listed(backend, "/")).toEqual(["a:1", "b:1"]);

      await put(backend, "a", "22"); // overwrite
      await put(backend, "a/x/y", "333"); // new directories under a listed one
      await backend.deleteObject(loc, "b");
      expect(await listed(backend)).toEqual(["a:2", "a/x/y:3"]);
      expect(await listed(backend, "/")).toEqual(["a:2", "a/"]);
      expect((await backend.statObject(loc, "b")) ?? null).toBeNull();

      await backend.deleteObject(loc, "a/x/y"); // prunes a/x
      await put(backend, "b", "4444");
      expect(await listed(backend, "/")).toEqual(["a:2", "b:4"]);

      await backend.close(); // a new process on the same root reads the same from disk
      backend = await open();
      expect(await listed(backend)).toEqual(["a:2", "b:4"]);
    } finally {
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function name(entry: ListEntry): string {
  return entry.kind === "prefix" ? entry.prefix : entry.object.key;
}
