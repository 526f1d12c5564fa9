import { sharedTestConfig } from "../../vitest.shared.ts";

// The test servers run DuckDB in the test workers, which inherit this environment: the
// libuv pool must be large enough for concurrent queries plus the storage service's file
// I/O (the bin sets the same for production).
process.env.UV_THREADPOOL_SIZE ??= "16";

export default sharedTestConfig;
