// The s3rver types live once, in the repo's private test package.
/// <reference path="../../testing/src/s3rver.d.ts" />
