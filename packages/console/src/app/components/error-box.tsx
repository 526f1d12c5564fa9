import { ApiError } from "../api.js";

/** A failure as the person reads it: the API's message, then what to do about it. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  return (
    <div class="error" role="alert">
      <p>
        <strong>{api ? api.message : String((error as Error).message ?? error)}</strong>
      </p>
      <p>{api ? api.hint : "Try again; if it keeps failing, reload the page."}</p>
    </div>
  );
}
