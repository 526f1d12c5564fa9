export interface S3Server {
  /** Its URL, e.g. "http://127.0.0.1:41234". */
  endpoint: string;
  /** Where it keeps buckets: an object of bucket `b` lies under `<directory>/b/`. */
  directory: string;
  /** The settings that put the storage service's objects in `bucket` here (MINIO_BACKEND=s3). */
  env(bucket: string): Record<string, string>;
  close(): Promise<void>;
}

/** A real S3 endpoint (s3rver) on a free loopback port, keeping its buckets in `directory`. */
export async function startS3Server(directory: string): Promise<S3Server> {
  // Loaded on demand: s3rver brings Koa and more, which only the S3 tests need.
  const { default: S3rver } = await import("s3rver");
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    directory,
    env: (bucket) => ({
      MINIO_BACKEND: "s3",
      MINIO_S3_ENDPOINT: endpoint,
      // s3rver knows one account: S3RVER / S3RVER.
      MINIO_S3_ACCESS_KEY: "S3RVER",
      MINIO_S3_SECRET_KEY: "S3RVER",
      MINIO_S3_BUCKET: bucket,
    }),
    close: () => server.close(),
  };
}
