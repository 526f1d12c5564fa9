import { describe, expect, it } from "vitest";
import {
  breadcrumbs,
  entriesUnder,
  type FileInfo,
  filterEntries,
  sortEntries,
} from "./files-model.js";

const file = (key: string, size = 1, last_modified = "2024-01-01T00:00:00.000Z"): FileInfo => ({
  key,
  size,
  etag: "e",
  last_modified,
});

describe("entriesUnder", () => {
  it("shows the API's folders and the files directly under the prefix", () => {
    const entries = entriesUnder("data/", [file("data/a.csv")], ["data/2024/"]);
    expect(entries).toEqual([
      {
        kind: "file",
        name: "a.csv",
        key: "data/a.csv",
        size: 1,
        modified: "2024-01-01T00:00:00.000Z",
      },
      { kind: "folder", name: "2024", key: "data/2024/" },
    ]);
  });

  it("folds deeper keys into one folder when the API did not roll them up", () => {
    const entries = entriesUnder("", [file("r/x.json"), file("r/y/z.json"), file("top.txt")]);
    expect(entries.map((e) => `${e.kind}:${e.name}`)).toEqual(["file:top.txt", "folder:r"]);
  });
});

describe("sortEntries", () => {
  const entries = entriesUnder("", [
    file("a10.csv", 5, "2024-03-01T00:00:00Z"),
    file("a2.csv", 50, "2024-01-01T00:00:00Z"),
    file("z/q"),
  ]);

  it("puts folders first and compares names as people read numbers", () => {
    expect(sortEntries(entries, "name", false).map((e) => e.name)).toEqual([
      "z",
      "a2.csv",
      "a10.csv",
    ]);
  });

  it("sorts files by size or date, either way", () => {
    expect(sortEntries(entries, "size", true).map((e) => e.name)).toEqual([
      "z",
      "a2.csv",
      "a10.csv",
    ]);
    expect(sortEntries(entries, "modified", true).map((e) => e.name)).toEqual([
      "z",
      "a10.csv",
      "a2.csv",
    ]);
  });
});

describe("filterEntries and breadcrumbs", () => {
  it("keeps names holding the text, whatever the case", () => {
    const entries = entriesUnder("", [file("Events.CSV"), file("notes.txt")]);
    expect(filterEntries(entries, " events ").map((e) => e.name)).toEqual(["Events.CSV"]);
  });

  it("walks a prefix from Home down", () => {
    expect(breadcrumbs("a/b/")).toEqual([
      { label: "Home", prefix: "" },
      { label: "a", prefix: "a/" },
      { label: "b", prefix: "a/b/" },
    ]);
  });
});
