import type { PgError } from "../protocol/backend.js";

/** The Postgres version the gateway reports: psql and drivers pick their catalog queries by it. */
export const SERVER_VERSION = "15.0";
export const SERVER_VERSION_NUM = "150000";

/**
 * Session parameters as a Postgres client expects to find them. The ones marked `report`
 * go out as ParameterStatus after authentication (libpq, psycopg2 and JDBC read
 * client_encoding, standard_conforming_strings, DateStyle and integer_datetimes from
 * there). `accepts` lists the values SET may give: the gateway only has one way of
 * encoding values (UTF-8, ISO dates, UTC, hex bytea), so a SET asking for another is
 * refused rather than silently ignored.
 */
interface Parameter {
  value: string;
  report?: boolean;
  accepts?: RegExp;
}

function parameters(user: string): Record<string, Parameter> {
  return {
    server_version: { value: `${SERVER_VERSION} (isa-cloud pg-gateway)`, report: true },
    server_version_num: { value: SERVER_VERSION_NUM },
    server_encoding: { value: "UTF8", report: true },
    client_encoding: { value: "UTF8", report: true, accepts: /^(utf-?8|unicode)$/i },
    datestyle: { value: "ISO, MDY", report: true, accepts: /^iso(\s*,\s*(mdy|dmy|ymd))?$/i },
    timezone: { value: "UTC", report: true, accepts: /^(utc|gmt|etc\/utc|z|zulu|\+?0+(:00)?)$/i },
    intervalstyle: { value: "postgres", report: true, accepts: /^postgres$/i },
    integer_datetimes: { value: "on", report: true },
    standard_conforming_strings: { value: "on", report: true, accepts: /^(on|true)$/i },
    is_superuser: { value: "off", report: true },
    session_authorization: { value: user, report: true },
    default_transaction_read_only: { value: "off", report: true },
    in_hot_standby: { value: "off", report: true },
    application_name: { value: "", report: true, accepts: /^.*$/s },
    extra_float_digits: { value: "1", accepts: /^-?\d+$/ },
    bytea_output: { value: "hex", accepts: /^hex$/i },
    statement_timeout: { value: "0", accepts: /^\d+\s*(ms|s|min)?$/i },
    search_path: { value: "main", accepts: /^("?\$user"?\s*,\s*)?(main|public)$/i },
    transaction_isolation: { value: "read committed" },
    max_identifier_length: { value: "63" },
    lc_collate: { value: "C" },
    lc_ctype: { value: "C" },
    lc_messages: { value: "C", accepts: /^(c|posix|en_us\.utf-?8|)$/i },
  };
}

/** Case-insensitive names, as Postgres treats them; DateStyle is reported with its casing. */
const DISPLAY: Record<string, string> = {
  datestyle: "DateStyle",
  timezone: "TimeZone",
  intervalstyle: "IntervalStyle",
};

export class SessionSettings {
  readonly #params: Record<string, Parameter>;

  constructor(user: string, startup: Record<string, string>) {
    this.#params = parameters(user);
    // Start-up parameters (application_name, client_encoding, DateStyle, options...) are
    // taken where accepted; anything else a client sends at start-up is ignored, as
    // Postgres ignores unknown GUCs of an old client.
    for (const [name, value] of Object.entries(startup)) {
      const p = this.#params[name.toLowerCase()];
      if (p?.accepts?.test(value.trim())) p.value = value.trim();
    }
  }

  /** ParameterStatus messages to send after AuthenticationOk. */
  reported(): Array<[string, string]> {
    return Object.entries(this.#params)
      .filter(([, p]) => p.report)
      .map(([name, p]) => [DISPLAY[name] ?? name, p.value]);
  }

  get(name: string): string | undefined {
    return this.#params[name.toLowerCase()]?.value;
  }

  has(name: string): boolean {
    return name.toLowerCase() in this.#params;
  }

  all(): Array<[string, string]> {
    return Object.entries(this.#params).map(([name, p]) => [DISPLAY[name] ?? name, p.value]);
  }

  /** SET of a gateway parameter: undefined when done, an error when the value is refused. */
  set(name: string, value: string | undefined): PgError | undefined {
    const key = name.toLowerCase();
    const p = this.#params[key];
    if (!p) return undefined;
    if (value === undefined) {
      p.value = parameters(this.get("session_authorization") ?? "")[key]!.value;
      return undefined;
    }
    if (!p.accepts) {
      return { severity: "ERROR", code: "55P02", message: `parameter "${name}" cannot be changed` };
    }
    if (!p.accepts.test(value)) {
      return {
        severity: "ERROR",
        code: "22023",
        message: `invalid value for parameter "${name}": "${value}"; the gateway supports ${p.value}`,
      };
    }
    p.value = value;
    return undefined;
  }

  /** statement_timeout in whole seconds (rounded up), for the service's timeout_seconds. */
  timeoutSeconds(): number {
    const m = /^(\d+)\s*(ms|s|min)?$/i.exec(this.get("statement_timeout") ?? "0");
    if (!m) return 0;
    const ms = Number(m[1]) * ({ ms: 1, s: 1000, min: 60_000 }[m[2]?.toLowerCase() ?? "ms"] ?? 1);
    return Math.ceil(ms / 1000);
  }
}
