import type { ComponentType } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { type ApiClient, type ApiError, createApiClient } from "../api.js";
import { savedToken, saveToken, tokenSubject } from "../session.js";
import { FilesPage } from "./files-page.js";
import { ReadinessBanner } from "./readiness-banner.js";
import { SignIn } from "./sign-in.js";

type Tab = "files" | "sql" | "reports";
const TABS: Array<[Tab, string]> = [
  ["files", "Files"],
  ["sql", "SQL"],
  ["reports", "Reports"],
];

export interface PageProps {
  api: ApiClient;
  /** Opens another tab, e.g. Files after a report was saved. */
  go: (tab: Tab) => void;
}

/** The SQL and Reports pages carry the editor and charts: loaded on first use only. */
function useLazyPage(load: () => Promise<ComponentType<PageProps>>, wanted: boolean) {
  const [page, setPage] = useState<ComponentType<PageProps> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!wanted || page) return;
    load().then((component) => setPage(() => component), setError);
  }, [wanted, page, load]);
  return { page, error };
}

const loadSql = () => import("./sql-page.js").then((m) => m.SqlPage);
const loadReports = () => import("./reports-page.js").then((m) => m.ReportsPage);

export function App() {
  const [token, setToken] = useState<string | null>(savedToken);
  const [signOutReason, setSignOutReason] = useState<ApiError | null>(null);
  const [tab, setTab] = useState<Tab>("files");

  const api = useMemo(() => {
    if (!token) return null;
    return createApiClient(token, tokenSubject(token) ?? "unknown user", (error) => {
      saveToken(null);
      setToken(null);
      setSignOutReason(error);
    });
  }, [token]);

  const sql = useLazyPage(loadSql, tab === "sql" && api !== null);
  const reports = useLazyPage(loadReports, tab === "reports" && api !== null);

  const signIn = (next: string) => {
    saveToken(next);
    setSignOutReason(null);
    setToken(next);
  };
  const signOut = () => {
    saveToken(null);
    setToken(null);
  };

  if (!api) {
    return (
      <div>
        <ReadinessBanner />
        <SignIn onToken={signIn} reason={signOutReason} />
      </div>
    );
  }
  const Lazy = tab === "sql" ? sql : tab === "reports" ? reports : null;
  return (
    <div class="shell">
      <header class="top">
        <h1>isa-cloud</h1>
        <nav class="tabs" aria-label="Sections">
          {TABS.map(([id, label]) => (
            <button
              type="button"
              key={id}
              aria-current={tab === id ? "page" : undefined}
              onClick={() => setTab(id)}
            >
              {label}
            </button>
          ))}
        </nav>
        <span class="spacer" />
        <span>
          Signed in as <strong data-testid="user">{api.userId}</strong>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <ReadinessBanner />
      <main>
        {tab === "files" && <FilesPage api={api} go={setTab} />}
        {Lazy?.page && <Lazy.page api={api} go={setTab} />}
        {Lazy && !Lazy.page && !Lazy.error && <p class="status">Loading…</p>}
        {Lazy?.error ? (
          <div class="error" role="alert">
            <p>
              <strong>This part of the console could not be loaded.</strong>
            </p>
            <p>Reload the page: the console was probably rebuilt since it was opened.</p>
          </div>
        ) : null}
      </main>
    </div>
  );
}
