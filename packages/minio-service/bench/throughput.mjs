// Moves one large object up and down through the storage service (filesystem backend, in a
// child process so its peak RSS can be read), by gRPC and by its presigned HTTP PUT/GET
// URLs, next to its two limits: the same bytes through a bare grpc-js byte stream
// (bench/raw-grpc-server.mjs) and straight to and from the same disk; then gRPC uploads in
// a few message sizes (which one the service takes best, for clients to choose); then the
// S3 backend in front of s3rver next to the AWS SDK straight to
// that s3rver. Rounds alternate so that the machine's load falls on all alike; medians are
// printed with the ratios. Run after `pnpm build`: `pnpm bench`.
// BENCH_BYTES (default 1 GiB), BENCH_CHUNK (default 1 MiB), BENCH_ROUNDS (default 3),
// BENCH_S3_BYTES (default 256 MiB; 0 skips the S3 part) change the sizes;
// BENCH_SWEEP_CHUNKS (default "65536,262144,1048576"; "" skips it) and BENCH_SWEEP_BYTES
// (default 256 MiB) the message-size sweep; BENCH_PART=s3 runs the S3 part alone.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { credentials, Client as GrpcClient } from "@grpc/grpc-js";
import { MinIOServiceDefinition, minio } from "@isa-cloud/proto";
import { fastBytesEncode } from "@isa-cloud/rpc/wire";
import { signToken } from "@isa-cloud/rpc-server";
import { createChannel, createClient, Metadata } from "nice-grpc";
import { reportAim } from "../../../scripts/bench-aims.mjs";

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_BYTES ?? 1024 * MiB);
const CHUNK = Number(process.env.BENCH_CHUNK ?? MiB);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const S3_TOTAL = Number(process.env.BENCH_S3_BYTES ?? 256 * MiB);
const PART = process.env.BENCH_PART ?? "all";
const SWEEP_CHUNKS = (process.env.BENCH_SWEEP_CHUNKS ?? "65536,262144,1048576")
  .split(",")
  .filter(Boolean)
  .map(Number)
  .filter((size) => size <= CHUNK);
const SWEEP_TOTAL = Number(process.env.BENCH_SWEEP_BYTES ?? 256 * MiB);
// The S3 backend's part size and parts in flight (src/backend/s3/streamed-put.ts), for the SDK too.
const S3_PART = 8 * MiB;
const S3_QUEUE = 2;
const SECRET = "bench-secret-0123456789abcdef0123456789";
// BENCH_BIN: another build of the service to measure (a copy of dist/, for before/after runs).
const bin = process.env.BENCH_BIN ?? fileURLToPath(new URL("../dist/bin.js", import.meta.url));

// A handful of random chunks, cycled: the bytes are incompressible and the client stays small.
const pool = Array.from({ length: 16 }, () => randomBytes(CHUNK));
function* chunks(total = TOTAL, size = CHUNK) {
  for (let sent = 0, i = 0; sent < total; i++) {
    const chunk = pool[i % pool.length].subarray(0, Math.min(size, total - sent));
    sent += chunk.length;
    yield chunk;
  }
}

/** Peak resident set of a process so far, from /proc (Linux). */
async function peakRss(pid) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
async function cpuSeconds(pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Drops a file's pages from the page cache (GNU dd), so a read comes from the disk. */
function dropCache(path) {
  return spawnSync("dd", [`if=${path}`, "iflag=nocache", "count=0", "status=none"]).status === 0;
}

/** Resets a process's peak RSS (Linux: writing 5 to clear_refs), so the next read is fresh. */
function resetPeakRss(pid) {
  return writeFile(`/proc/${pid}/clear_refs`, "5").catch(() => {});
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (bytes, ms) => bytes / MiB / (ms / 1000);
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
const dir = await mkdtemp(join(tmpdir(), "isa-minio-bench-"));
const children = [];

/** Starts a node script as a child and waits for the port it reports on stdout. */
async function startChild(args, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    lines.on("line", (line) => {
      let record;
      try {
        record = JSON.parse(line);
      } catch {
        return;
      }
      // The service logs several ports; its "started" line carries the gRPC one.
      if (record.msg === "storage service started" || (record.msg === undefined && record.port))
        resolve(record.port);
    });
    child.once("exit", (code) => reject(new Error(`${args.at(-1)} exited with ${code}`)));
  });
  return { child, port };
}

// A client-side choice any client can make: a receive window big enough that downloads
// are not paced by WINDOW_UPDATE round trips (grpc-js's default is HTTP/2's 64 KiB).
const channelOptions = {
  "grpc-node.flow_control_window": 16 * MiB,
  "grpc.max_receive_message_length": 8 * MiB,
};
// The chunk encoding @isa-cloud/minio-client uses: the generated encoder would spend the
// shared cores on a zero-filled 2 MiB buffer and three copies per 1 MiB chunk.
const definition = {
  ...MinIOServiceDefinition,
  methods: {
    ...MinIOServiceDefinition.methods,
    putObject: {
      ...MinIOServiceDefinition.methods.putObject,
      requestType: {
        ...minio.PutObjectRequest,
        encode: fastBytesEncode(minio.PutObjectRequest, 2, (message) =>
          message.payload?.$case === "chunkData" ? message.payload.value : undefined,
        ),
      },
    },
  },
};
const token = await signToken({ secret: SECRET, sub: "bench" });
const callOptions = { metadata: Metadata({ authorization: `Bearer ${token}` }) };
const serviceEnv = (name) => ({
  ISA_DATA_DIR: join(dir, name),
  MINIO_GRPC_PORT: "0",
  MINIO_HTTP_PORT: "0",
  MINIO_METRICS_PORT: "off",
  ISA_JWT_SECRET: SECRET,
  LOG_LEVEL: "info",
});

/** A service's client, with its bucket, and up/down transfers that measure themselves. */
async function serviceTarget(child, port) {
  const channel = createChannel(`127.0.0.1:${port}`, undefined, channelOptions);
  const client = createClient(definition, channel);
  await client.createBucket(
    {
      bucketName: "bench",
      userId: "",
      organizationId: "",
      region: "",
      objectLocking: false,
      tags: {},
    },
    callOptions,
  );
  return {
    child,
    channel,
    client,
    async up(total, size = CHUNK) {
      const put = await client.putObject(
        (async function* () {
          yield {
            payload: {
              $case: "metadata",
              value: {
                bucketName: "bench",
                objectKey: "big.bin",
                userId: "",
                contentType: "application/octet-stream",
                contentLength: BigInt(total),
                metadata: {},
                storageClass: "",
              },
            },
          };
          for (const chunk of chunks(total, size))
            yield { payload: { $case: "chunkData", value: chunk } };
        })(),
        callOptions,
      );
      if (put.etag !== md5Of(total, size)) throw new Error(`ETag ${put.etag} is not the MD5`);
    },
    async down(total) {
      let received = 0;
      let first;
      const request = {
        bucketName: "bench",
        objectKey: "big.bin",
        userId: "",
        offset: 0n,
        length: 0n,
        versionId: "",
      };
      for await (const message of client.getObject(request, callOptions)) {
        if (message.payload?.$case === "chunkData") {
          received += message.payload.value.length;
          first ??= Buffer.from(message.payload.value.subarray(0, 64));
        }
      }
      if (received !== total || !first?.equals(pool[0].subarray(0, 64)))
        throw new Error("downloaded bytes differ");
    },
  };
}

const md5s = new Map();
function md5Of(total, size = CHUNK) {
  const key = `${total}/${size}`;
  if (!md5s.has(key)) {
    const hash = createHash("md5");
    for (const chunk of chunks(total, size)) hash.update(chunk);
    md5s.set(key, hash.digest("hex"));
  }
  return md5s.get(key);
}

/**
 * The same service through its presigned HTTP URLs (the fast path of
 * @isa-cloud/minio-client for large objects): a plain node:http PUT of the chunks with a
 * Content-Length, and a GET.
 */
function presignedTarget(service, key) {
  const where = { bucketName: "bench", objectKey: key, userId: "", expirySeconds: 600 };
  const exchange = (url, method, send, onData) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(url, { method, headers: send.headers }, (res) => {
        res.on("data", onData);
        res.on("error", reject);
        res.on("end", () =>
          res.statusCode === 200 ? resolve(res) : reject(new Error(`${method} ${res.statusCode}`)),
        );
      });
      req.on("error", reject);
      const source = send.body[Symbol.iterator]();
      const pump = () => {
        for (let next = source.next(); !next.done; next = source.next())
          if (!req.write(next.value)) return void req.once("drain", pump);
        req.end();
      };
      pump();
    });
  return {
    child: service.child,
    channel: { close() {} },
    async up(total) {
      const { url } = await service.client.getPresignedPutURL(
        { ...where, contentType: "" },
        callOptions,
      );
      const res = await exchange(
        url,
        "PUT",
        { headers: { "content-length": total }, body: chunks(total) },
        () => {},
      );
      if (res.headers.etag !== `"${md5Of(total)}"`) throw new Error("PUT's ETag is not the MD5");
    },
    async down(total) {
      const { url } = await service.client.getPresignedURL(
        { ...where, requestParams: {} },
        callOptions,
      );
      let received = 0;
      let first;
      await exchange(url, "GET", { headers: {}, body: [] }, (chunk) => {
        received += chunk.length;
        first ??= Buffer.from(chunk.subarray(0, 64));
      });
      if (received !== total || !first?.equals(pool[0].subarray(0, 64)))
        throw new Error("presigned download differs");
    },
  };
}

/** The bare grpc-js byte stream: same chunks, same client window, nothing else. */
function rawTarget(child, port) {
  const same = (bytes) => bytes;
  const client = new GrpcClient(`127.0.0.1:${port}`, credentials.createInsecure(), channelOptions);
  return {
    child,
    channel: client,
    up: (total, size = CHUNK) =>
      new Promise((resolve, reject) => {
        const call = client.makeClientStreamRequest(
          "/bench.RawBytes/Up",
          same,
          same,
          (err, reply) =>
            err
              ? reject(err)
              : Number(reply.toString()) === total
                ? resolve()
                : reject(new Error("short")),
        );
        const source = chunks(total, size);
        const pump = () => {
          for (let next = source.next(); !next.done; next = source.next())
            if (!call.write(next.value)) return void call.once("drain", pump);
          call.end();
        };
        pump();
      }),
    down: (total) =>
      new Promise((resolve, reject) => {
        const call = client.makeServerStreamRequest(
          "/bench.RawBytes/Down",
          same,
          same,
          Buffer.from(`${total} ${CHUNK}`),
        );
        let received = 0;
        call.on("data", (message) => {
          received += message.length;
        });
        call.on("error", reject);
        call.on("end", () => (received === total ? resolve() : reject(new Error("short"))));
      }),
  };
}

/** Times `fn`, with the CPU seconds of `pid` (when given) and of this process. */
async function measure(pid, bytes, fn) {
  const cpuBefore = pid ? await cpuSeconds(pid) : 0;
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  const client = process.cpuUsage(clientBefore);
  const gib = bytes / (1024 * MiB);
  return {
    mbs: rate(bytes, ms),
    serverCpu: pid ? ((await cpuSeconds(pid)) - cpuBefore) / gib : Number.NaN,
    clientCpu: (client.user + client.system) / 1e6 / gib,
  };
}

/** Straight to and from the disk: write, fsync (the service fsyncs too), cold read back. */
async function diskUp() {
  const file = await open(join(dir, "direct.bin"), "w");
  for (const chunk of chunks()) await file.write(chunk);
  await file.sync();
  await file.close();
}
async function diskDown() {
  dropCache(join(dir, "direct.bin"));
  let read = 0;
  for await (const chunk of createReadStream(join(dir, "direct.bin"), { highWaterMark: CHUNK }))
    read += chunk.length;
  if (read !== TOTAL) throw new Error("direct read came up short");
}

const loads = [loadavg()[0]];
const NAMES = ["service", "presigned", "raw", "disk"];
const results = Object.fromEntries(NAMES.map((name) => [name, { up: [], down: [] }]));
const peaks = { service: { up: [], down: [] }, presigned: { up: [], down: [] } };
let cold = true;
try {
  if (PART !== "s3") await fsPart();
  if (S3_TOTAL > 0) await s3Part();
} finally {
  for (const child of children) {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }
  await rm(dir, { recursive: true, force: true });
}

/** The filesystem backend by gRPC and presigned HTTP, next to raw grpc-js and the disk. */
async function fsPart() {
  const svc = await startChild([...nodeArgs, bin], serviceEnv("data"));
  const service = await serviceTarget(svc.child, svc.port);
  const rawChild = await startChild([
    fileURLToPath(new URL("./raw-grpc-server.mjs", import.meta.url)),
  ]);
  const raw = rawTarget(rawChild.child, rawChild.port);
  const targets = { service, presigned: presignedTarget(service, "presigned.bin"), raw };
  // Where the service keeps an object's data file (src/backend/fs/layout.ts).
  const objectDir = (key) =>
    join(dir, "data", "objects", "u", "bench", "bench", "objects", `_${key}`);
  const stored = { service: objectDir("big.bin"), presigned: objectDir("presigned.bin") };
  md5Of(TOTAL);

  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so a burst of outside load does not always hit one.
    const order = round % 2 === 0 ? NAMES : [...NAMES].reverse();
    for (const name of order) {
      if (name === "disk") {
        results.disk.up.push(await measure(undefined, TOTAL, diskUp));
        results.disk.down.push(await measure(undefined, TOTAL, diskDown));
        continue;
      }
      const target = targets[name];
      const pid = target.child.pid;
      const ours = name in peaks;
      if (ours) await resetPeakRss(pid);
      results[name].up.push(await measure(pid, TOTAL, () => target.up(TOTAL)));
      if (ours) {
        peaks[name].up.push(await peakRss(pid));
        await resetPeakRss(pid);
        const data = (await readdir(stored[name])).find((n) => n.startsWith("data-"));
        cold &&= dropCache(join(stored[name], data));
      }
      results[name].down.push(await measure(pid, TOTAL, () => target.down(TOTAL)));
      if (ours) peaks[name].down.push(await peakRss(pid));
    }
    loads.push(loadavg()[0]);
  }

  const m = (runs, key) => median(runs.map((r) => r[key]));
  const runs = (xs) => xs.map((r) => r.mbs.toFixed(0)).join(" ");
  const mbs = (name, dirn) => m(results[name][dirn], "mbs");
  console.log(
    `\n${(TOTAL / MiB).toFixed(0)} MiB in ${CHUNK / 1024} KiB chunks, filesystem backend, ${ROUNDS} rounds alternating; load average (1 min) ${loads.map((l) => l.toFixed(1)).join(" -> ")}`,
  );
  console.log(
    `MB/s, median (rounds)  ${NAMES.map((n) => (n === "service" ? "service gRPC" : n === "raw" ? "raw gRPC" : n === "disk" ? "direct disk" : "presigned HTTP").padStart(22)).join("")}`,
  );
  for (const dirn of ["up", "down"]) {
    console.log(
      `${(dirn === "up" ? "upload" : "download").padEnd(22)} ${NAMES.map((n) => `${mbs(n, dirn).toFixed(0).padStart(6)} (${runs(results[n][dirn])})`.padStart(21)).join(" ")}`,
    );
  }
  for (const dirn of ["up", "down"]) {
    const [s, p, r] = [results.service[dirn], results.presigned[dirn], results.raw[dirn]];
    // The direct disk's CPU is this process's: what the disk costs any writer or reader.
    console.log(
      `${dirn === "up" ? "upload" : "download"} CPU s/GiB, median: service ${m(s, "serverCpu").toFixed(2)} (presigned HTTP ${m(p, "serverCpu").toFixed(2)}) vs raw server ${m(r, "serverCpu").toFixed(2)}, direct disk ${m(results.disk[dirn], "clientCpu").toFixed(2)}; bench client ${m(s, "clientCpu").toFixed(2)} (presigned ${m(p, "clientCpu").toFixed(2)}) vs raw client ${m(r, "clientCpu").toFixed(2)}`,
    );
  }
  const mib = (xs) => xs.map((p) => (p / MiB).toFixed(1)).join(" ");
  console.log(
    `service peak RSS (VmHWM, reset before each transfer), MiB: gRPC upload ${mib(peaks.service.up)}, download ${mib(peaks.service.down)}; presigned PUT ${mib(peaks.presigned.up)}, GET ${mib(peaks.presigned.down)}`,
  );
  console.log(
    `(MB/s = MiB per second; writes include fsync; reads ${cold ? "start from a dropped page cache (dd iflag=nocache)" : "come from a warm page cache: dd could not drop it"})`,
  );

  const size = `${(TOTAL / MiB / 1024).toFixed(TOTAL % (1024 * MiB) ? 2 : 0)} GiB`;
  const versus = (name, dirn, peer, peerLabel) =>
    reportAim({
      name: `${dirn === "up" ? "upload" : "download"} ${size} via ${name === "service" ? "gRPC" : `presigned HTTP ${dirn === "up" ? "PUT" : "GET"}`} vs ${peerLabel}`,
      measured: `${mbs(name, dirn).toFixed(0)} MB/s`,
      peer: `${peer === "disk" ? "disk" : "raw grpc-js"} ${mbs(peer, dirn).toFixed(0)} MB/s`,
      ratio: mbs(name, dirn) / mbs(peer, dirn),
      target: 0.7,
    });
  versus("service", "up", "disk", "disk (fsync)");
  versus("service", "up", "raw", "raw grpc-js stream");
  versus("service", "down", "disk", "disk (cold)");
  versus("service", "down", "raw", "raw grpc-js stream");
  for (const dirn of ["up", "down"]) {
    const [ours, rawCpu] = [
      m(results.service[dirn], "serverCpu"),
      m(results.raw[dirn], "serverCpu"),
    ];
    reportAim({
      name: `service CPU per GiB, gRPC ${dirn === "up" ? "upload" : "download"}, vs raw grpc-js server (raw/ours)`,
      measured: `${ours.toFixed(2)} s`,
      peer: `raw ${rawCpu.toFixed(2)} s`,
      ratio: rawCpu / ours,
      target: 0.5,
    });
  }
  const peak = Math.max(...Object.values(peaks).flatMap((p) => [...p.up, ...p.down]));
  reportAim({
    name: `service peak RSS moving ${size} (gRPC and presigned HTTP; 150 MiB / peak)`,
    measured: `${(peak / MiB).toFixed(1)} MiB`,
    peer: "limit 150 MiB",
    ratio: (150 * MiB) / peak,
    target: 1,
  });
  versus("presigned", "up", "disk", "disk (fsync)");
  versus("presigned", "down", "disk", "disk (cold)");

  if (SWEEP_CHUNKS.length > 0) await chunkSweep(service, raw);
  service.channel.close();
  raw.channel.close();
}

/**
 * gRPC uploads in several message sizes, the service next to the raw stream: what message
 * size the service takes best (grpc-js joins each message from 16 KiB HTTP/2 frames, and
 * every message costs a protobuf decode and a write), for clients to choose their chunks.
 */
async function chunkSweep(service, raw) {
  const sweepLoads = [loadavg()[0]];
  const r = Object.fromEntries(SWEEP_CHUNKS.map((size) => [size, { service: [], raw: [] }]));
  for (let round = 0; round < 2; round++) {
    for (const size of round % 2 === 0 ? SWEEP_CHUNKS : [...SWEEP_CHUNKS].reverse()) {
      md5Of(SWEEP_TOTAL, size);
      for (const name of round % 2 === 0 ? ["service", "raw"] : ["raw", "service"]) {
        const target = name === "service" ? service : raw;
        r[size][name].push(
          await measure(target.child.pid, SWEEP_TOTAL, () => target.up(SWEEP_TOTAL, size)),
        );
      }
    }
    sweepLoads.push(loadavg()[0]);
  }
  const m = (runs, key) => median(runs.map((x) => x[key]));
  console.log(
    `\ngRPC upload of ${(SWEEP_TOTAL / MiB).toFixed(0)} MiB by message size, 2 rounds alternating (median); load average (1 min) ${sweepLoads.map((l) => l.toFixed(1)).join(" -> ")}`,
  );
  console.log("message     service MB/s  CPU s/GiB   raw MB/s  CPU s/GiB   service/raw");
  for (const size of SWEEP_CHUNKS) {
    const [s, w] = [r[size].service, r[size].raw];
    console.log(
      `${`${size / 1024} KiB`.padEnd(10)} ${m(s, "mbs").toFixed(0).padStart(13)} ${m(s, "serverCpu").toFixed(2).padStart(10)} ${m(w, "mbs").toFixed(0).padStart(10)} ${m(w, "serverCpu").toFixed(2).padStart(10)} ${(m(s, "mbs") / m(w, "mbs")).toFixed(2).padStart(13)}`,
    );
  }
}

/** The S3 backend in front of s3rver, next to the AWS SDK straight to the same s3rver. */
async function s3Part() {
  const store = await startChild([
    fileURLToPath(new URL("./s3rver-server.mjs", import.meta.url)),
    join(dir, "s3rver"),
  ]);
  const endpoint = `http://127.0.0.1:${store.port}`;
  const svc = await startChild([...nodeArgs, bin], {
    ...serviceEnv("s3-service"),
    MINIO_BACKEND: "s3",
    MINIO_S3_ENDPOINT: endpoint,
    MINIO_S3_BUCKET: "isa-bench",
    MINIO_S3_ACCESS_KEY: "S3RVER",
    MINIO_S3_SECRET_KEY: "S3RVER",
  });
  const service = await serviceTarget(svc.child, svc.port);
  const s3 = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  // What an SDK user writes: lib-storage's Upload with the backend's part size and
  // parallelism (src/backend/s3/streamed-put.ts), and one plain GetObject.
  const sdk = {
    up: () =>
      new Upload({
        client: s3,
        params: { Bucket: "isa-bench", Key: "direct.bin", Body: Readable.from(chunks(S3_TOTAL)) },
        partSize: S3_PART,
        queueSize: S3_QUEUE,
      }).done(),
    async down() {
      const out = await s3.send(new GetObjectCommand({ Bucket: "isa-bench", Key: "direct.bin" }));
      let received = 0;
      for await (const chunk of out.Body) received += chunk.length;
      if (received !== S3_TOTAL) throw new Error("SDK download came up short");
    },
  };
  // CPU of the three processes at work: the service (ours only), s3rver, this bench.
  const timed = async (pid, fn) => {
    const storeBefore = await cpuSeconds(store.child.pid);
    const run = await measure(pid, S3_TOTAL, fn);
    run.storeCpu = ((await cpuSeconds(store.child.pid)) - storeBefore) / (S3_TOTAL / 1024 / MiB);
    return run;
  };
  const s3Loads = [loadavg()[0]];
  const r = { service: { up: [], down: [] }, sdk: { up: [], down: [] } };
  md5Of(S3_TOTAL);
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? ["service", "sdk"] : ["sdk", "service"]) {
      const target = name === "service" ? service : sdk;
      const pid = name === "service" ? svc.child.pid : undefined;
      r[name].up.push(await timed(pid, () => target.up(S3_TOTAL)));
      r[name].down.push(await timed(pid, () => target.down(S3_TOTAL)));
    }
    s3Loads.push(loadavg()[0]);
  }
  service.channel.close();
  s3.destroy();
  const m = (xs, key) => median(xs.map((x) => x[key]));
  const runs = (xs) => xs.map((x) => x.mbs.toFixed(0)).join(" ");
  console.log(
    `\n${(S3_TOTAL / MiB).toFixed(0)} MiB, S3 backend on s3rver vs the AWS SDK straight to it (${S3_PART / MiB} MiB parts, ${S3_QUEUE} in flight), ${ROUNDS} rounds alternating; load average (1 min) ${s3Loads.map((l) => l.toFixed(1)).join(" -> ")}`,
  );
  for (const dirn of ["up", "down"]) {
    const [s, d] = [r.service[dirn], r.sdk[dirn]];
    console.log(
      `${(dirn === "up" ? "upload" : "download").padEnd(10)} service ${m(s, "mbs").toFixed(0)} MB/s (${runs(s)}), SDK ${m(d, "mbs").toFixed(0)} MB/s (${runs(d)}), service/SDK ${(m(s, "mbs") / m(d, "mbs")).toFixed(2)}`,
    );
    console.log(
      `${"".padEnd(10)} CPU s/GiB, median: service ${m(s, "serverCpu").toFixed(2)}, s3rver ${m(s, "storeCpu").toFixed(2)} (SDK runs ${m(d, "storeCpu").toFixed(2)}), bench client ${m(s, "clientCpu").toFixed(2)} (SDK ${m(d, "clientCpu").toFixed(2)})`,
    );
  }
  for (const dirn of ["up", "down"]) {
    const [s, d] = [m(r.service[dirn], "mbs"), m(r.sdk[dirn], "mbs")];
    reportAim({
      name: `S3 backend ${dirn === "up" ? "upload" : "download"} vs AWS SDK direct`,
      measured: `${s.toFixed(0)} MB/s`,
      peer: `SDK ${d.toFixed(0)} MB/s`,
      ratio: s / d,
      target: 0.8,
    });
  }
}
