import { suiteTestConfig } from "../../vitest.shared.ts";

// `pnpm test:cluster`: a real etcd, storage and analytics nodes as child processes; needs
// the etcd binary and `pnpm build` (the nodes run dist/bin.js). Kept out of `pnpm test`.
export default suiteTestConfig("cluster", ["test/cluster/*.test.ts"]);
