/** A listed file, as `GET /api/v1/data/files` returns it. */
export interface FileInfo {
  key: string;
  size: number;
  etag: string;
  last_modified: string;
}

/** One line of the file browser: a folder (a common prefix) or a file. */
export type Entry =
  | { kind: "folder"; name: string; key: string }
  | { kind: "file"; name: string; key: string; size: number; modified: string };

export type SortKey = "name" | "size" | "modified";

/**
 * The entries directly under `prefix`: the API's folders (`common_prefixes`, when it
 * rolls keys up by delimiter) and files. Keys deeper than one level that the API did
 * not roll up are folded into their folder here, so the view is the same either way.
 */
export function entriesUnder(
  prefix: string,
  files: readonly FileInfo[],
  commonPrefixes: readonly string[] = [],
): Entry[] {
  const folders = new Set(commonPrefixes);
  const entries: Entry[] = [];
  for (const file of files) {
    if (!file.key.startsWith(prefix)) continue;
    const rest = file.key.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash >= 0) folders.add(prefix + rest.slice(0, slash + 1));
    else {
      entries.push({
        kind: "file",
        name: rest,
        key: file.key,
        size: file.size,
        modified: file.last_modified,
      });
    }
  }
  for (const folder of folders) {
    entries.push({ kind: "folder", name: folder.slice(prefix.length, -1), key: folder });
  }
  return entries;
}

/** Folders first, then by the chosen key; names compare as people read them (a2 < a10). */
export function sortEntries(entries: readonly Entry[], by: SortKey, descending: boolean): Entry[] {
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  const sign = descending ? -1 : 1;
  return [...entries].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === "folder" ? -1 : 1;
    let order = 0;
    if (a.kind === "file" && b.kind === "file") {
      if (by === "size") order = a.size - b.size;
      else if (by === "modified") order = a.modified.localeCompare(b.modified);
    }
    return sign * (order || collator.compare(a.name, b.name));
  });
}

/** Entries whose name holds `text`, ignoring case. */
export function filterEntries(entries: readonly Entry[], text: string): Entry[] {
  const needle = text.trim().toLowerCase();
  return needle
    ? entries.filter((entry) => entry.name.toLowerCase().includes(needle))
    : [...entries];
}

/** "a/b/" -> Home, a, b with the prefix each one opens. */
export function breadcrumbs(prefix: string): Array<{ label: string; prefix: string }> {
  const crumbs = [{ label: "Home", prefix: "" }];
  let path = "";
  for (const part of prefix.split("/").filter(Boolean)) {
    path += `${part}/`;
    crumbs.push({ label: part, prefix: path });
  }
  return crumbs;
}
