import { randomBytes } from "node:crypto";
import { bearer } from "@isa-cloud/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./test-app.js";

// What HTTP clients expect of files, over a real socket with fetch: HEAD, ranges,
// validators, conditional requests, multipart uploads and paged listings.
let stack: TestApp;
let url: string;
let auth: Record<string, string>;
const content = randomBytes(10_000);

function file(key: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  return fetch(`${url}/api/v1/data/files/${encodeURIComponent(key)}`, {
    ...init,
    headers: { ...auth, ...init.headers },
  });
}

beforeAll(async () => {
  stack = await startTestApp({ maxUploadBytes: 1_000_000 });
  url = await stack.listen();
  auth = bearer(await stack.token("hana"));
  const put = await file("docs/report.bin", {
    method: "PUT",
    body: content,
    headers: { "content-type": "application/octet-stream" },
  });
  expect(put.status).toBe(201);
});

afterAll(async () => {
  await stack?.close();
});

describe("GET and HEAD of a file", () => {
  it("answers HEAD with the headers of GET and no body", async () => {
    const head = await file("docs/report.bin", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("10000");
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect(head.headers.get("etag")).toMatch(/^"[^"]+"$/);
    expect(head.headers.get("last-modified")).toMatch(/GMT$/);
    expect(await head.arrayBuffer()).toHaveProperty("byteLength", 0);
    const get = await file("docs/report.bin");
    expect(get.headers.get("etag")).toBe(head.headers.get("etag"));
    expect(get.headers.get("content-disposition")).toContain('filename="report.bin"');
    expect(Buffer.from(await get.arrayBuffer()).equals(content)).toBe(true);
  });

  it("accepts the key with raw slashes as well as encoded", async () => {
    const raw = await fetch(`${url}/api/v1/data/files/docs/report.bin`, {
      method: "HEAD",
      headers: auth,
    });
    expect(raw.status).toBe(200);
  });

  it("answers HEAD of a missing file with 404", async () => {
    expect((await file("docs/none.bin", { method: "HEAD" })).status).toBe(404);
  });

  it("serves one byte range with 206 and Content-Range", async () => {
    const res = await file("docs/report.bin", { headers: { range: "bytes=100-199" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 100-199/10000");
    expect(res.headers.get("content-length")).toBe("100");
    expect(Buffer.from(await res.arrayBuffer()).equals(content.subarray(100, 200))).toBe(true);
  });

  it("serves a suffix range and an open-ended one", async () => {
    const tail = await file("docs/report.bin", { headers: { range: "bytes=-10" } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(content.subarray(9990))).toBe(true);
    const open = await file("docs/report.bin", { headers: { range: "bytes=9995-" } });
    expect(open.headers.get("content-range")).toBe("bytes 9995-9999/10000");
    expect(Buffer.from(await open.arrayBuffer()).equals(content.subarray(9995))).toBe(true);
  });

  it("answers a range outside the file with 416 and the file's size", async () => {
    const res = await file("docs/report.bin", { headers: { range: "bytes=20000-" } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe("bytes */10000");
    expect(await res.json()).toMatchObject({ code: "range_not_satisfiable" });
  });

  it("sends the whole file for a malformed Range, several ranges or a stale If-Range", async () => {
    const cases: Array<Record<string, string>> = [
      { range: "bytes=abc" },
      { range: "bytes=0-1,5-6" },
      { range: "bytes=0-1", "if-range": '"stale"' },
    ];
    for (const headers of cases) {
      const res = await file("docs/report.bin", { headers });
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(10_000);
    }
  });
});

describe("conditional requests", () => {
  it("answers If-None-Match with the current ETag with 304, another with 200", async () => {
    const etag = (await file("docs/report.bin", { method: "HEAD" })).headers.get("etag")!;
    const same = await file("docs/report.bin", { headers: { "if-none-match": etag } });
    expect(same.status).toBe(304);
    expect(same.headers.get("etag")).toBe(etag);
    const weak = await file("docs/report.bin", { headers: { "if-none-match": `W/${etag}` } });
    expect(weak.status).toBe(304);
    const other = await file("docs/report.bin", { headers: { "if-none-match": '"other"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });

  it("answers If-Modified-Since at or after Last-Modified with 304", async () => {
    const lastModified = (await file("docs/report.bin", { method: "HEAD" })).headers.get(
      "last-modified",
    )!;
    const res = await file("docs/report.bin", { headers: { "if-modified-since": lastModified } });
    expect(res.status).toBe(304);
    const before = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    const changed = await file("docs/report.bin", { headers: { "if-modified-since": before } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
  });

  it("answers GET with a failing If-Match or If-Unmodified-Since with 412", async () => {
    const res = await file("docs/report.bin", { headers: { "if-match": '"other"' } });
    expect(res.status).toBe(412);
    expect(await res.json()).toMatchObject({ code: "precondition_failed" });
    const old = await file("docs/report.bin", {
      headers: { "if-unmodified-since": new Date(0).toUTCString() },
    });
    expect(old.status).toBe(412);
  });

  it("creates with If-None-Match: * only when there is no file", async () => {
    const key = `cond/${Date.now()}.txt`;
    const first = await file(key, {
      method: "PUT",
      body: "one",
      headers: { "if-none-match": "*" },
    });
    expect(first.status).toBe(201);
    const etag = first.headers.get("etag")!;
    const again = await file(key, {
      method: "PUT",
      body: "two",
      headers: { "if-none-match": "*" },
    });
    expect(again.status).toBe(412);
    expect(await (await file(key)).text()).toBe("one");
    // If-Match: replaces only the version named.
    const stale = await file(key, { method: "PUT", body: "three", headers: { "if-match": '"x"' } });
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as { message: string }).message).toContain(etag);
    const replaced = await file(key, {
      method: "PUT",
      body: "four",
      headers: { "if-match": etag },
    });
    expect(replaced.status).toBe(201);
    const newEtag = replaced.headers.get("etag")!;
    // DELETE with If-Match: the old ETag no longer names the file.
    expect((await file(key, { method: "DELETE", headers: { "if-match": etag } })).status).toBe(412);
    expect((await file(key, { method: "DELETE", headers: { "if-match": newEtag } })).status).toBe(
      204,
    );
  });

  it("refuses If-Match on a PUT of a missing file with 412, storing nothing", async () => {
    const res = await file("cond/missing.txt", {
      method: "PUT",
      body: "x",
      headers: { "if-match": '"abc"' },
    });
    expect(res.status).toBe(412);
    expect(((await res.json()) as { message: string }).message).toContain("does not exist");
    expect((await file("cond/missing.txt", { method: "HEAD" })).status).toBe(404);
  });
});

describe("POST /files (multipart/form-data)", () => {
  it("stores every file of a form, as curl -F sends it", async () => {
    const form = new FormData();
    form.append("file", new Blob(["a,b\n1,2\n"], { type: "text/csv" }), "one.csv");
    form.append("file", new Blob([content]), "two.bin");
    form.append("note", "ignored field");
    const res = await fetch(`${url}/api/v1/data/files?prefix=forms/`, {
      method: "POST",
      headers: auth,
      body: form,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { files: Array<{ key: string; size: number }> };
    expect(body.files.map((f) => [f.key, f.size])).toEqual([
      ["forms/one.csv", 8],
      ["forms/two.bin", 10_000],
    ]);
    const one = await file("forms/one.csv");
    expect(one.headers.get("content-type")).toBe("text/csv");
    expect(await one.text()).toBe("a,b\n1,2\n");
    expect(Buffer.from(await (await file("forms/two.bin")).arrayBuffer()).equals(content)).toBe(
      true,
    );
  });

  it("refuses a form without a file with 400, and a body that is not a form with 415", async () => {
    const form = new FormData();
    form.append("note", "no file");
    const empty = await fetch(`${url}/api/v1/data/files`, {
      method: "POST",
      headers: auth,
      body: form,
    });
    expect(empty.status).toBe(400);
    const json = await fetch(`${url}/api/v1/data/files`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
  });

  it("refuses a prefix that is not a folder, and a file over the limit with 413", async () => {
    const form = () => {
      const f = new FormData();
      f.append("file", new Blob([Buffer.alloc(1_000_001)]), "big.bin");
      return f;
    };
    const bad = await fetch(`${url}/api/v1/data/files?prefix=nofolder`, {
      method: "POST",
      headers: auth,
      body: form(),
    });
    expect(bad.status).toBe(400);
    const big = await fetch(`${url}/api/v1/data/files`, {
      method: "POST",
      headers: auth,
      body: form(),
    });
    expect(big.status).toBe(413);
    expect((await file("big.bin", { method: "HEAD" })).status).toBe(404);
  });
});

describe("GET /files listing", () => {
  beforeAll(async () => {
    for (const key of [
      "tree/a.txt",
      "tree/b/1.txt",
      "tree/b/2.txt",
      "tree/c/1.txt",
      "tree/d.txt",
    ]) {
      expect((await file(key, { method: "PUT", body: key })).status).toBe(201);
    }
  });

  async function list(query: string) {
    const res = await fetch(`${url}/api/v1/data/files?${query}`, { headers: auth });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it("rolls keys up into common prefixes with a delimiter", async () => {
    const { body } = await list("prefix=tree/&delimiter=/");
    expect((body.files as Array<{ key: string }>).map((f) => f.key)).toEqual([
      "tree/a.txt",
      "tree/d.txt",
    ]);
    expect(body.common_prefixes).toEqual(["tree/b/", "tree/c/"]);
    expect(body.truncated).toBe(false);
    expect(body.next_continuation_token).toBeUndefined();
  });

  it("pages with a continuation token, each entry once, across common prefixes", async () => {
    const seen: string[] = [];
    let token = "";
    for (let page = 0; page < 10; page++) {
      const { body } = await list(
        `prefix=tree/&delimiter=/&limit=1${token ? `&continuation_token=${token}` : ""}`,
      );
      seen.push(
        ...(body.files as Array<{ key: string }>).map((f) => f.key),
        ...(body.common_prefixes as string[]),
      );
      if (!body.truncated) break;
      token = body.next_continuation_token as string;
    }
    expect(seen).toEqual(["tree/a.txt", "tree/b/", "tree/c/", "tree/d.txt"]);
  });

  it.each([
    ["continuation_token=not-a-token", "a token it did not give"],
    ["delimiter=//", "a delimiter of two characters"],
    ["limit=0", "a limit of 0"],
    ["limit=1001", "a limit over 1000"],
    ["page=2", "an unknown parameter"],
  ])("answers 400 for %s (%s)", async (query) => {
    const { status, body } = await list(query);
    expect(status).toBe(400);
    expect(body.code).toBe("invalid_argument");
  });
});

describe("bad input on file routes", () => {
  it("answers 400 for a key with .. in either form of the path", async () => {
    expect((await file("a/../b", { method: "HEAD" })).status).toBe(400);
    expect((await file("a/../b", { method: "PUT", body: "x" })).status).toBe(400);
  });

  it("answers 401 to HEAD without a token", async () => {
    const res = await fetch(`${url}/api/v1/data/files/docs%2Freport.bin`, { method: "HEAD" });
    expect(res.status).toBe(401);
  });
});
