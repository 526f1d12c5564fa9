import { useEffect, useState } from "preact/hooks";
import { publicJson } from "../api.js";

interface Readiness {
  status: "ready" | "not_ready";
  services?: Record<string, { status: string }>;
}

/** How often /readyz is asked, ms: often enough that the banner clears soon after recovery. */
const POLL_MS = 3_000;

/**
 * A banner while the stack is down (the API unreachable, or /readyz saying a service does
 * not serve); it clears by itself once /readyz answers ready again.
 */
export function ReadinessBanner() {
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const check = async () => {
      try {
        const ready = await publicJson<Readiness>("/readyz", { cache: "no-store" });
        const down = Object.entries(ready.services ?? {})
          .filter(([, s]) => s.status !== "SERVING")
          .map(([name]) => name);
        if (!stopped) {
          setProblem(
            ready.status === "ready"
              ? null
              : `The ${down.join(" and ") || "stack"} service is down: actions that need it will fail until it is back.`,
          );
        }
      } catch {
        if (!stopped) setProblem("The API does not answer: check that `isa start` is running.");
      }
      if (!stopped) timer = setTimeout(check, POLL_MS);
    };
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  if (!problem) return <div aria-live="polite" />;
  return (
    <div class="banner" role="status" aria-live="polite">
      {problem} This banner clears when it is back.
    </div>
  );
}
