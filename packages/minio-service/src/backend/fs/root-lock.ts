import { readFile, unlink, writeFile } from "node:fs/promises";
import { errnoCode } from "./files.js";

/**
 * Claims a data root for this process by creating `lockFile` with our pid; a lock file
 * whose process is gone is taken over. Returns what releases it.
 */
export async function lockRoot(root: string, lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: "wx" });
      return () => unlink(lockFile).catch(() => {});
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
    }
    const pid = Number((await readFile(lockFile, "utf8").catch(() => "")).trim());
    if (pid > 0 && processAlive(pid)) {
      throw new Error(
        `${root} is in use by another storage service (pid ${pid}); stop it, or set ISA_DATA_DIR to another directory`,
      );
    }
    await unlink(lockFile).catch(() => {}); // left by a process that is gone
  }
  throw new Error(`could not lock ${root}; remove ${lockFile} if no storage service uses it`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}
