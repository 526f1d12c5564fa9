// One way for every package bench to state an aim of the speed issue (#18) and how far
// it got: `reportAim` prints the line in the bench's own output and, when the root
// `pnpm bench` runs it, appends it to the file in ISA_BENCH_AIMS so that the root can
// print every aim together at the end. Benches import this by relative path: they are
// not published, and the packages they measure must not depend on a test harness.
import { appendFileSync } from "node:fs";
import { loadavg } from "node:os";

/**
 * @param {object} aim
 * @param {string} aim.name        what is compared, e.g. "upload 1 GiB vs disk (fsync)"
 * @param {string} aim.measured    our figure with its unit, e.g. "412 MB/s"
 * @param {string} aim.peer        the peer or limit with its unit, e.g. "disk 610 MB/s"
 * @param {number} aim.ratio       ours / peer, oriented so that higher is better
 * @param {number} aim.target      the ratio the aim asks for (met when ratio >= target)
 */
export function reportAim({ name, measured, peer, ratio, target }) {
  const record = {
    name,
    measured,
    peer,
    ratio: Number(ratio.toFixed(3)),
    target,
    met: ratio >= target,
    load: Number(loadavg()[0].toFixed(1)),
  };
  console.log(
    `aim: ${name}: ${measured} vs ${peer} = ${record.ratio}x (aim >= ${target}x, ${record.met ? "met" : "not met"}, load ${record.load})`,
  );
  if (process.env.ISA_BENCH_AIMS)
    appendFileSync(process.env.ISA_BENCH_AIMS, `${JSON.stringify(record)}\n`);
  return record;
}
