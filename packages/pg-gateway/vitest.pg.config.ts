import { suiteTestConfig } from "../../vitest.shared.ts";

// `pnpm test:pg`: the suites that drive the gateway with Debian's psql and Python's
// psycopg2 (files `test/*.pg.ts`). They fail, saying how to install them, when missing.
export default suiteTestConfig("pg", ["test/**/*.pg.ts"]);
