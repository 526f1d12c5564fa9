// Writes the OpenAPI document of the built API to openapi.json (run by `build`), the
// file @isa-cloud/api-client is generated from; test/openapi.test.ts checks it is fresh.
import { writeFileSync } from "node:fs";
import { openapiDocument } from "../dist/index.js";

const file = new URL("../openapi.json", import.meta.url);
writeFileSync(file, `${JSON.stringify(await openapiDocument(), null, 2)}\n`);
