import { useRef, useState } from "preact/hooks";
import type { ApiClient } from "../api.js";
import { type UploadHandle, uploadFile } from "../upload.js";
import { formatBytes } from "../values.js";
import { ErrorBox } from "./error-box.js";

interface Item {
  id: number;
  key: string;
  size: number;
  sent: number;
  state: "queued" | "uploading" | "stored" | "failed" | "cancelled";
  error?: unknown;
}

/** Files sent at the same time: enough to fill the link, few enough to show progress early. */
const PARALLEL = 2;

/**
 * Drop zone, file picker and the upload queue: per-file and overall progress, cancel one
 * or all. Each file is one streamed PUT (the API has no resumable multipart upload, so
 * a cut connection means sending the file again).
 */
export function Uploads({
  api,
  prefix,
  onStored,
}: {
  api: ApiClient;
  prefix: string;
  onStored: () => void;
}) {
  const [items, setItems] = useState<Item[]>([]);
  const [over, setOver] = useState(false);
  const files = useRef(new Map<number, File>());
  const handles = useRef(new Map<number, UploadHandle>());
  const nextId = useRef(1);
  const picker = useRef<HTMLInputElement>(null);

  const update = (id: number, change: Partial<Item>) =>
    setItems((old) => old.map((item) => (item.id === id ? { ...item, ...change } : item)));

  /** Starts queued files while fewer than PARALLEL are on their way. */
  const pump = () => {
    setItems((current) => {
      let running = current.filter((item) => item.state === "uploading").length;
      const started: Item[] = [];
      const next = current.map((item) => {
        if (item.state !== "queued" || running >= PARALLEL) return item;
        running++;
        const moving = { ...item, state: "uploading" as const };
        started.push(moving);
        return moving;
      });
      // Side effects after the state update is computed, outside the updater's re-runs.
      queueMicrotask(() => {
        for (const item of started) start(item);
      });
      return next;
    });
  };

  const start = (item: Item) => {
    const file = files.current.get(item.id);
    if (!file || handles.current.has(item.id)) return;
    const handle = uploadFile(api, item.key, file, (sent) => update(item.id, { sent }));
    handles.current.set(item.id, handle);
    handle.done
      .then(
        () => {
          update(item.id, { state: "stored", sent: item.size });
          onStored();
        },
        (error: unknown) =>
          update(
            item.id,
            (error as Error).name === "AbortError"
              ? { state: "cancelled" }
              : { state: "failed", error },
          ),
      )
      .finally(() => {
        handles.current.delete(item.id);
        files.current.delete(item.id);
        pump();
      });
  };

  const add = (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const added: Item[] = [];
    for (const file of Array.from(list)) {
      const id = nextId.current++;
      files.current.set(id, file);
      added.push({ id, key: prefix + file.name, size: file.size, sent: 0, state: "queued" });
    }
    setItems((old) => [
      ...old.filter((item) => item.state === "uploading" || item.state === "queued"),
      ...added,
    ]);
    pump();
  };

  const cancel = (item: Item) => {
    if (item.state === "queued") {
      files.current.delete(item.id);
      update(item.id, { state: "cancelled" });
    } else handles.current.get(item.id)?.cancel();
  };

  const active = items.filter((item) => item.state !== "cancelled" && item.state !== "failed");
  const total = active.reduce((sum, item) => sum + item.size, 0);
  const sent = active.reduce((sum, item) => sum + item.sent, 0);
  const busy = items.some((item) => item.state === "uploading" || item.state === "queued");

  return (
    <div>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a mouse shortcut; the button inside is the keyboard way */}
      <div
        class={`drop${over ? " over" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          add(e.dataTransfer?.files ?? null);
        }}
      >
        Drop files here to upload them to <strong>{prefix || "Home"}</strong>, or{" "}
        <button type="button" onClick={() => picker.current?.click()}>
          choose files…
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          aria-label="Files to upload"
          onChange={(e) => {
            add(e.currentTarget.files);
            e.currentTarget.value = "";
          }}
        />
      </div>
      {items.length > 0 && (
        <section class="uploads" aria-label="Uploads">
          <div class="toolbar">
            <label>
              Overall
              <progress max={total || 1} value={sent} aria-label="Overall upload progress" />
            </label>
            <span data-testid="upload-overall">
              {formatBytes(sent)} of {formatBytes(total)}
            </span>
            {busy && (
              <button type="button" onClick={() => items.forEach(cancel)}>
                Cancel all
              </button>
            )}
          </div>
          <ul>
            {items.map((item) => (
              <li key={item.id} data-upload={item.key} data-state={item.state}>
                <span>{item.key}</span>
                <progress
                  max={item.size || 1}
                  value={item.sent}
                  aria-label={`Progress of ${item.key}`}
                />
                <span>
                  {item.state === "uploading"
                    ? `${Math.floor((100 * item.sent) / (item.size || 1))}%`
                    : item.state}
                </span>
                {(item.state === "uploading" || item.state === "queued") && (
                  <button
                    type="button"
                    onClick={() => cancel(item)}
                    aria-label={`Cancel ${item.key}`}
                  >
                    Cancel
                  </button>
                )}
                {item.state === "failed" && <ErrorBox error={item.error} />}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
