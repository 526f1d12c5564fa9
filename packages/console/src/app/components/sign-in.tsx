import { useEffect, useState } from "preact/hooks";
import { type ApiError, publicJson } from "../api.js";
import { ErrorBox } from "./error-box.js";

interface DevAvailability {
  available: boolean;
  reason?: string;
}

/**
 * Paste a token, or (on a loopback API with the built-in dev secret) sign in as any user
 * id in one click. The token goes to the parent, which keeps it in sessionStorage.
 */
export function SignIn({
  onToken,
  reason,
}: {
  onToken: (token: string) => void;
  reason: ApiError | null;
}) {
  const [pasted, setPasted] = useState("");
  const [dev, setDev] = useState<DevAvailability | null>(null);
  const [user, setUser] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    publicJson<DevAvailability>("/api/v1/dev/token").then(setDev, () =>
      setDev({ available: false }),
    );
  }, []);

  const devSignIn = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await publicJson<{ token: string }>("/api/v1/dev/token", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user_id: user.trim() }),
      });
      onToken(answer.token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const pasteSignIn = (event: Event) => {
    event.preventDefault();
    const token = pasted.trim().replace(/^Bearer\s+/i, "");
    if (token.split(".").length !== 3) {
      setError(
        new Error(
          "That is not a token: paste the JWT that `isa start` or `isa token --user <id>` printed.",
        ),
      );
      return;
    }
    onToken(token);
  };

  return (
    <div class="signin">
      <h1>Sign in to isa-cloud</h1>
      {reason && <ErrorBox error={reason} />}
      <ErrorBox error={error} />
      {dev?.available && (
        <form class="panel" onSubmit={devSignIn}>
          <h2>Dev sign-in</h2>
          <p class="muted">This API runs on this machine with the built-in dev secret.</p>
          <label>
            User id
            <input
              name="user"
              value={user}
              required
              pattern="[A-Za-z0-9][A-Za-z0-9._@\-]*"
              autocomplete="username"
              onInput={(e) => setUser(e.currentTarget.value)}
            />
          </label>{" "}
          <button class="primary" type="submit" disabled={busy || !user.trim()}>
            Sign in as {user.trim() || "…"}
          </button>
        </form>
      )}
      <form class="panel" onSubmit={pasteSignIn}>
        <h2>Token</h2>
        <label for="token" style="display:block">
          Paste a token (from <code>isa start</code> or <code>isa token --user &lt;id&gt;</code>)
        </label>
        <textarea
          id="token"
          value={pasted}
          autocomplete="off"
          spellcheck={false}
          onInput={(e) => setPasted(e.currentTarget.value)}
        />
        <button class="primary" type="submit" disabled={!pasted.trim()}>
          Sign in with token
        </button>
        {dev && !dev.available && dev.reason && <p class="muted">{dev.reason}</p>}
      </form>
    </div>
  );
}
