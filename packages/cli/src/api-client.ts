import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** An error answer of the API, with its status and message. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TransferProgress {
  bytes: number;
  total?: number;
}

/** The path of a file under /api/v1/data/files/, each segment encoded on its own. */
export function filePath(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

/**
 * A small client of the HTTP API, over Node's fetch: what the CLI's commands need.
 * Bodies and downloads are streamed with progress, never held whole in memory.
 */
export class ApiClient {
  readonly #base: string;
  readonly #token: string;

  constructor(baseUrl: string, token: string) {
    this.#base = `${baseUrl.replace(/\/+$/, "")}/api/v1/data`;
    this.#token = token;
  }

  async #fetch(path: string, init: RequestInit & { duplex?: "half" } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.#token}`);
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, { ...init, headers });
    } catch (err) {
      const reason = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ApiError(
        0,
        "unreachable",
        `cannot reach the API at ${this.#base} (${reason}); is \`isa start\` running?`,
      );
    }
    if (!response.ok) {
      let code = "error";
      let message = `${response.status} ${response.statusText}`;
      try {
        const body = (await response.json()) as { code?: string; message?: string };
        code = body.code ?? code;
        message = body.message ?? message;
      } catch {
        // Not JSON: keep the status line.
      }
      throw new ApiError(response.status, code, message);
    }
    return response;
  }

  async #json<T>(path: string, method: string, body?: unknown): Promise<T> {
    const response = await this.#fetch(path, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    return (await response.json()) as T;
  }

  /** Streams a local file to PUT /files/{name}. */
  async upload(
    localPath: string,
    name: string,
    onProgress?: (progress: TransferProgress) => void,
  ): Promise<{ key: string; size: number; etag: string }> {
    const { size } = await stat(localPath);
    let bytes = 0;
    async function* counted() {
      for await (const chunk of createReadStream(localPath, { highWaterMark: 1024 * 1024 })) {
        bytes += (chunk as Buffer).length;
        onProgress?.({ bytes, total: size });
        yield chunk as Buffer;
      }
    }
    const response = await this.#fetch(`/files/${filePath(name)}`, {
      method: "PUT",
      body: counted(),
      duplex: "half",
      headers: { "content-type": "application/octet-stream", "content-length": String(size) },
    });
    return (await response.json()) as { key: string; size: number; etag: string };
  }

  /** Streams GET /files/{name} into a local file, through a temporary file renamed at the end. */
  async download(
    name: string,
    localPath: string,
    onProgress?: (progress: TransferProgress) => void,
  ): Promise<{ size: number }> {
    const response = await this.#fetch(`/files/${filePath(name)}`);
    const length = Number(response.headers.get("content-length") ?? Number.NaN);
    const total = Number.isFinite(length) ? length : undefined;
    const temporary = join(dirname(localPath), `.${basename(localPath)}.${process.pid}.download`);
    let bytes = 0;
    const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
    body.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      onProgress?.(total === undefined ? { bytes } : { bytes, total });
    });
    try {
      await pipeline(body, createWriteStream(temporary));
      await rename(temporary, localPath);
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    return { size: bytes };
  }

  importFile(name: string, format?: string) {
    return this.#json<{ table: string; rows_imported: number; format: string }>("/import", "POST", {
      file_name: name,
      ...(format ? { format } : {}),
    });
  }

  analyze(startDate: string, endDate: string) {
    return this.#json<{
      user_id: string;
      period: string;
      events: Array<{ event_type: string; count: number; avg_duration: number | null }>;
    }>("/analyze", "POST", { start_date: startDate, end_date: endDate });
  }

  report(type: string, parameters: Record<string, unknown>) {
    return this.#json<{ report_key: string }>(
      `/report/${encodeURIComponent(type)}`,
      "POST",
      parameters,
    );
  }

  query(sql: string, params?: Record<string, unknown>, maxRows?: number) {
    return this.#json<{
      columns: Array<{ name: string; type: string }>;
      rows: Record<string, unknown>[];
      row_count: number;
      truncated: boolean;
      execution_time_ms: number;
    }>("/query", "POST", {
      sql,
      ...(params && Object.keys(params).length > 0 ? { params } : {}),
      ...(maxRows ? { max_rows: maxRows } : {}),
    });
  }
}
