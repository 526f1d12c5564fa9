import { suiteTestConfig } from "../../vitest.shared.ts";

process.env.UV_THREADPOOL_SIZE ??= "16";

// `pnpm test:cluster`: multi-node durability against a real etcd child process (needs
// the etcd binary: `bash scripts/install-system-deps.sh`). Kept out of `pnpm test`.
export default suiteTestConfig("cluster", ["test/cluster/*.test.ts"]);
