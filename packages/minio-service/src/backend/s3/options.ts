/**
 * The store the S3 backend keeps everything in. `minioConfigFromEnv` reads these from
 * `MINIO_S3_*` (defaults there, and in the README).
 */
export interface S3StoreOptions {
  /** Endpoint URL, e.g. "http://minio:9000"; empty for AWS S3. */
  endpoint: string;
  /** Region used for signing, e.g. "us-east-1". */
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (MinIO and Ceph need them). */
  forcePathStyle: boolean;
  /** The one physical bucket holding every tenant's data; created at start when missing. */
  bucket: string;
}
