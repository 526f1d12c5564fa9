import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { filePath } from "../api.js";
import {
  breadcrumbs,
  type Entry,
  entriesUnder,
  type FileInfo,
  filterEntries,
  type SortKey,
  sortEntries,
} from "../files-model.js";
import { previewKind } from "../preview-parse.js";
import { saveBlob } from "../query-runner.js";
import { formatBytes } from "../values.js";
import type { PageProps } from "./app.js";
import { ConfirmDialog } from "./confirm-dialog.js";
import { ErrorBox } from "./error-box.js";
import { ImportDialog } from "./import-dialog.js";
import { Preview } from "./preview.js";
import { Uploads } from "./uploads.js";

interface Listing {
  files: FileInfo[];
  common_prefixes?: string[];
  truncated: boolean;
  next_continuation_token?: string;
}

type FileEntry = Extract<Entry, { kind: "file" }>;

const COLUMNS: Array<[SortKey, string]> = [
  ["name", "Name"],
  ["size", "Size"],
  ["modified", "Modified"],
];

export function FilesPage({ api }: PageProps) {
  const [prefix, setPrefix] = useState("");
  const [files, setFiles] = useState<FileInfo[]>([]);
  const [folders, setFolders] = useState<string[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sort, setSort] = useState<{ by: SortKey; descending: boolean }>({
    by: "name",
    descending: false,
  });
  const [filter, setFilter] = useState("");
  const [previewing, setPreviewing] = useState<FileEntry | null>(null);
  const [importing, setImporting] = useState<FileEntry | null>(null);
  const [deleting, setDeleting] = useState<FileEntry | null>(null);
  const [notice, setNotice] = useState("");
  const generation = useRef(0);

  const load = useCallback(
    async (token?: string) => {
      const mine = ++generation.current;
      setLoading(true);
      setError(null);
      try {
        const query = new URLSearchParams({ delimiter: "/" });
        if (prefix) query.set("prefix", prefix);
        if (token) query.set("continuation_token", token);
        const listing = await api.json<Listing>(`/api/v1/data/files?${query}`);
        // A later listing (another folder) wins over an earlier one still on its way.
        if (mine !== generation.current) return;
        setFiles((old) => (token ? [...old, ...listing.files] : listing.files));
        setFolders((old) =>
          token ? [...old, ...(listing.common_prefixes ?? [])] : (listing.common_prefixes ?? []),
        );
        setNext(listing.truncated ? listing.next_continuation_token : undefined);
      } catch (err) {
        if (mine === generation.current) setError(err);
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [api, prefix],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const entries = sortEntries(
    filterEntries(entriesUnder(prefix, files, folders), filter),
    sort.by,
    sort.descending,
  );

  const download = async (entry: FileEntry) => {
    setError(null);
    try {
      const response = await api.fetch(filePath(entry.key));
      saveBlob(await response.blob(), entry.name);
    } catch (err) {
      setError(err);
    }
  };

  const remove = async (entry: FileEntry) => {
    setDeleting(null);
    setError(null);
    try {
      await api.fetch(filePath(entry.key), { method: "DELETE" });
      setNotice(`Deleted ${entry.key}.`);
      if (previewing?.key === entry.key) setPreviewing(null);
      await load();
    } catch (err) {
      setError(err);
    }
  };

  const sortBy = (by: SortKey) =>
    setSort((old) => ({ by, descending: old.by === by ? !old.descending : by !== "name" }));

  return (
    <section aria-labelledby="files-title">
      <h2 id="files-title" class="sr-only">
        Files
      </h2>
      <div class="toolbar">
        <nav aria-label="Folder">
          <ol class="crumbs">
            {breadcrumbs(prefix).map((crumb, i, all) => (
              <li key={crumb.prefix}>
                {i === all.length - 1 ? (
                  <strong aria-current="location">{crumb.label}</strong>
                ) : (
                  <button type="button" class="link" onClick={() => setPrefix(crumb.prefix)}>
                    {crumb.label}
                  </button>
                )}
              </li>
            ))}
          </ol>
        </nav>
        <span class="spacer" />
        <label>
          Filter
          <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </label>
        <button type="button" onClick={() => load()} disabled={loading}>
          Refresh
        </button>
      </div>

      <Uploads api={api} prefix={prefix} onStored={() => load()} />
      <ErrorBox error={error} />
      <p class="status" role="status">
        {loading ? "Loading…" : notice}
      </p>

      <table aria-label={`Files in ${prefix || "Home"}`} style="width:100%">
        <thead>
          <tr>
            {COLUMNS.map(([key, label]) => (
              <th
                key={key}
                class={key === "size" ? "num" : undefined}
                aria-sort={
                  sort.by === key ? (sort.descending ? "descending" : "ascending") : "none"
                }
              >
                <button type="button" class="link" onClick={() => sortBy(key)}>
                  {label}
                  {sort.by === key ? (sort.descending ? " ↓" : " ↑") : ""}
                </button>
              </th>
            ))}
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {entries.length === 0 && !loading && (
            <tr>
              <td colSpan={4} class="muted">
                {filter ? "No names match the filter." : "No files here yet: drop some above."}
              </td>
            </tr>
          )}
          {entries.map((entry) =>
            entry.kind === "folder" ? (
              <tr key={entry.key}>
                <td>
                  <button type="button" class="link" onClick={() => setPrefix(entry.key)}>
                    📁 {entry.name}/
                  </button>
                </td>
                <td class="num muted">—</td>
                <td class="muted">—</td>
                <td />
              </tr>
            ) : (
              <tr key={entry.key} data-key={entry.key}>
                <td>{entry.name}</td>
                <td class="num">{formatBytes(entry.size)}</td>
                <td>
                  <time dateTime={entry.modified}>{new Date(entry.modified).toLocaleString()}</time>
                </td>
                <td>
                  <div class="toolbar" style="margin:0">
                    <button
                      type="button"
                      onClick={() => setPreviewing(entry)}
                      aria-label={`Preview ${entry.name}`}
                    >
                      Preview
                    </button>
                    <button
                      type="button"
                      onClick={() => download(entry)}
                      aria-label={`Download ${entry.name}`}
                    >
                      Download
                    </button>
                    {["csv", "json", "parquet"].includes(previewKind(entry.key)) && (
                      <button
                        type="button"
                        onClick={() => setImporting(entry)}
                        aria-label={`Import ${entry.name}`}
                      >
                        Import
                      </button>
                    )}
                    <button
                      type="button"
                      class="danger"
                      onClick={() => setDeleting(entry)}
                      aria-label={`Delete ${entry.name}`}
                    >
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      {next && (
        <button type="button" onClick={() => load(next)} disabled={loading}>
          Load more
        </button>
      )}

      {previewing && <Preview api={api} entry={previewing} onClose={() => setPreviewing(null)} />}
      {importing && (
        <ImportDialog api={api} fileKey={importing.key} onClose={() => setImporting(null)} />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.key}?`}
          body="The file is removed from storage; this cannot be undone."
          confirm="Delete"
          onConfirm={() => remove(deleting)}
          onCancel={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
