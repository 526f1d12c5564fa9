import type { KeyedMutex, KeyedRwLock } from "@isa-cloud/rpc-server";
import type { FsLayout } from "./layout.js";
import type { TreeCache } from "./tree-cache.js";

/** What the parts of the filesystem backend share: the paths of the root, the locks, the cache. */
export interface FsContext {
  layout: FsLayout;
  /**
   * Per bucket: shared by every write into it, exclusive for creating and deleting it, so a
   * delete never races a commit.
   */
  bucketLocks: KeyedRwLock;
  /** Per object directory and per upload id: one commit at a time. */
  keyLocks: KeyedMutex;
  /** What is known of the tree; every change under the root tells it ([`tree-cache.ts`]). */
  cache: TreeCache;
}
