import { suiteTestConfig } from "../../vitest.shared.ts";

export default suiteTestConfig("browser", ["test/**/*.browser.test.ts"]);
