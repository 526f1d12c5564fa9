import { describe } from "vitest";
import { storageSuite } from "./storage-suite.js";

describe("storage service on the filesystem backend", () => {
  storageSuite("fs");
});
