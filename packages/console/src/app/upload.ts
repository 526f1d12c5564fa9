import { type ApiClient, ApiError, filePath, hintFor } from "./api.js";

export interface UploadHandle {
  /** Resolves when stored; rejects with ApiError, or an AbortError after cancel(). */
  done: Promise<void>;
  cancel(): void;
}

/**
 * Streams one file with `PUT /files/{key}` through XMLHttpRequest, the only browser API
 * that reports upload progress (fetch has no upload progress events). The API streams
 * the body to storage; a cancelled upload leaves nothing behind.
 */
export function uploadFile(
  api: ApiClient,
  key: string,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<void>((resolve, reject) => {
    xhr.open("PUT", filePath(key));
    xhr.setRequestHeader("authorization", `Bearer ${api.token}`);
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (event) =>
      onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
        return;
      }
      let body: { code?: string; message?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // Not the API's JSON error.
      }
      reject(
        new ApiError(
          xhr.status,
          body.code ?? "error",
          body.message ?? `upload failed (${xhr.status})`,
          hintFor(xhr.status),
        ),
      );
    };
    xhr.onerror = () =>
      reject(new ApiError(0, "unreachable", "The upload was cut off.", hintFor(0)));
    xhr.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
    xhr.send(file);
  });
  return { done, cancel: () => xhr.abort() };
}
