export type { TestCertificates } from "./make-test-certificates.js";
export { makeTestCertificates } from "./make-test-certificates.js";
