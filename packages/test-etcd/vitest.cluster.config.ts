import { suiteTestConfig } from "../../vitest.shared.ts";

// `pnpm test:cluster`: against the real etcd binary (`bash scripts/install-system-deps.sh`).
export default suiteTestConfig("cluster", ["test/cluster/*.test.ts"]);
