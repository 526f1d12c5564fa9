// Moves one large object up and down through the storage service (filesystem backend, in a
// child process so its peak RSS can be read), and the same bytes straight to and from the
// same disk, and prints both side by side. Run after `pnpm build`: `pnpm bench`.
// BENCH_BYTES (default 1 GiB) and BENCH_CHUNK (default 1 MiB) change the sizes.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MinIOServiceDefinition, minio } from "@isa-cloud/proto";
import { fastBytesEncode } from "@isa-cloud/rpc/wire";
import { signToken } from "@isa-cloud/rpc-server";
import { createChannel, createClient, Metadata } from "nice-grpc";

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_BYTES ?? 1024 * MiB);
const CHUNK = Number(process.env.BENCH_CHUNK ?? MiB);
const SECRET = "bench-secret-0123456789abcdef0123456789";
// BENCH_BIN: another build of the service to measure (a copy of dist/, for before/after runs).
const bin = process.env.BENCH_BIN ?? fileURLToPath(new URL("../dist/bin.js", import.meta.url));

// A handful of random chunks, cycled: the bytes are incompressible and the client stays small.
const pool = Array.from({ length: 16 }, () => randomBytes(CHUNK));
function* chunks() {
  for (let sent = 0, i = 0; sent < TOTAL; i++) {
    const chunk = pool[i % pool.length].subarray(0, Math.min(CHUNK, TOTAL - sent));
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

const dir = await mkdtemp(join(tmpdir(), "isa-minio-bench-"));
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
const child = spawn(process.execPath, [...nodeArgs, bin], {
  env: {
    ...process.env,
    ISA_DATA_DIR: join(dir, "data"),
    MINIO_GRPC_PORT: "0",
    MINIO_HTTP_PORT: "0",
    ISA_JWT_SECRET: SECRET,
    LOG_LEVEL: "info",
  },
  stdio: ["ignore", "pipe", "inherit"],
});

try {
  const port = await new Promise((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (data) => {
      output += data;
      const line = output.split("\n").find((l) => l.includes('"storage service started"'));
      if (line) resolve(JSON.parse(line).port);
    });
    child.once("exit", (code) => reject(new Error(`service exited with ${code}:\n${output}`)));
  });
  // A client-side choice any client can make: a receive window big enough that downloads
  // are not paced by WINDOW_UPDATE round trips (grpc-js's default is HTTP/2's 64 KiB).
  const channel = createChannel(`127.0.0.1:${port}`, undefined, {
    "grpc-node.flow_control_window": 16 * MiB,
    "grpc.max_receive_message_length": 8 * MiB,
  });
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
  const client = createClient(definition, channel);
  const token = await signToken({ secret: SECRET, sub: "bench" });
  const options = { metadata: Metadata({ authorization: `Bearer ${token}` }) };
  await client.createBucket(
    {
      bucketName: "bench",
      userId: "",
      organizationId: "",
      region: "",
      objectLocking: false,
      tags: {},
    },
    options,
  );

  const expectedMd5 = createHash("md5");
  for (const chunk of chunks()) expectedMd5.update(chunk);
  const md5 = expectedMd5.digest("hex");

  // Through the service.
  const cpuBefore = await cpuSeconds(child.pid);
  const clientBefore = process.cpuUsage();
  let start = performance.now();
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
            contentLength: BigInt(TOTAL),
            metadata: {},
            storageClass: "",
          },
        },
      };
      for (const chunk of chunks()) yield { payload: { $case: "chunkData", value: chunk } };
    })(),
    options,
  );
  const serviceUp = performance.now() - start;
  if (put.etag !== md5) throw new Error(`ETag ${put.etag} is not the MD5 ${md5}`);
  const peakAfterUpload = await peakRss(child.pid);
  const cpuAfterUpload = await cpuSeconds(child.pid);
  const clientAfterUpload = process.cpuUsage();
  const objectDir = join(dir, "data", "objects", "u", "bench", "bench", "objects", "_big.bin");
  const stored = (await readdir(objectDir)).find((name) => name.startsWith("data-"));
  const cold = dropCache(join(objectDir, stored));

  start = performance.now();
  let received = 0;
  let firstChunk;
  for await (const message of client.getObject(
    {
      bucketName: "bench",
      objectKey: "big.bin",
      userId: "",
      offset: 0n,
      length: 0n,
      versionId: "",
    },
    options,
  )) {
    if (message.payload?.$case === "chunkData") {
      received += message.payload.value.length;
      firstChunk ??= Buffer.from(message.payload.value.subarray(0, 64));
    }
  }
  const serviceDown = performance.now() - start;
  if (received !== TOTAL || !firstChunk?.equals(pool[0].subarray(0, 64))) {
    throw new Error("downloaded bytes differ");
  }
  const peakOverall = await peakRss(child.pid);
  const cpuAfterDownload = await cpuSeconds(child.pid);
  const clientAfterDownload = process.cpuUsage();
  channel.close();

  // Straight to and from the same disk: write, fsync (the service fsyncs too), read back.
  const direct = join(dir, "direct.bin");
  start = performance.now();
  const file = await open(direct, "w");
  for (const chunk of chunks()) await file.write(chunk);
  await file.sync();
  await file.close();
  const directUp = performance.now() - start;
  dropCache(direct);
  start = performance.now();
  let read = 0;
  for await (const chunk of createReadStream(direct, { highWaterMark: CHUNK }))
    read += chunk.length;
  const directDown = performance.now() - start;
  if (read !== TOTAL) throw new Error("direct read came up short");

  const rate = (ms) => TOTAL / MiB / (ms / 1000);
  const row = (label, service, disk) =>
    `${label.padEnd(10)} ${rate(service).toFixed(0).padStart(8)} MB/s ${rate(disk).toFixed(0).padStart(9)} MB/s ${(
      (100 * disk) /
      service
    )
      .toFixed(0)
      .padStart(6)} %`;
  console.log(
    `\n${(TOTAL / MiB).toFixed(0)} MiB in ${CHUNK / 1024} KiB chunks, filesystem backend, ${dir}`,
  );
  console.log(
    `${"".padEnd(10)} ${"service".padStart(13)} ${"direct disk".padStart(14)} ${"ratio".padStart(8)}`,
  );
  console.log(row("upload", serviceUp, directUp));
  console.log(row("download", serviceDown, directDown));
  const gib = TOTAL / (1024 * MiB);
  console.log(
    `service CPU per GiB: ${((cpuAfterUpload - cpuBefore) / gib).toFixed(2)} s upload, ${((cpuAfterDownload - cpuAfterUpload) / gib).toFixed(2)} s download (so one free core would allow ${(
      1024 / ((cpuAfterUpload - cpuBefore) / gib)
    ).toFixed(0)} / ${(1024 / ((cpuAfterDownload - cpuAfterUpload) / gib)).toFixed(0)} MB/s)`,
  );
  const clientSeconds = (from, to) => (to.user - from.user + to.system - from.system) / 1e6 / gib;
  console.log(
    `client CPU per GiB: ${clientSeconds(clientBefore, clientAfterUpload).toFixed(2)} s upload, ${clientSeconds(clientAfterUpload, clientAfterDownload).toFixed(2)} s download (the bench process, on the same cores)`,
  );
  console.log(
    `service peak RSS (VmHWM): ${(peakAfterUpload / MiB).toFixed(1)} MiB after the upload, ${(peakOverall / MiB).toFixed(1)} MiB after the download`,
  );
  console.log(
    `(MB/s = MiB per second; writes include fsync; reads ${cold ? "start from a dropped page cache (dd iflag=nocache)" : "come from a warm page cache: dd could not drop it"})`,
  );
} finally {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
}
