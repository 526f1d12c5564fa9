import { DuckDBInstance, version } from "@duckdb/node-api";
import { TypeNamer } from "./type-name.js";

export interface ExtensionFacts {
  name: string;
  version: string;
  /** Compiled into this build: always loaded in every database, nothing to install. */
  builtIn: boolean;
  description: string;
}

/**
 * What the engine build offers, read once at start from a private in-memory instance
 * (never one that runs user SQL): version, keywords for type names, and extensions. A
 * sandboxed database cannot list extensions itself (`duckdb_extensions()` reads the
 * extension directory, which the sandbox forbids).
 */
export interface EngineInfo {
  version: string;
  typeNamer: TypeNamer;
  extensions: ExtensionFacts[];
}

export async function readEngineInfo(): Promise<EngineInfo> {
  const instance = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  try {
    const conn = await instance.connect();
    try {
      const keywords = await conn.runAndReadAll("SELECT keyword_name FROM duckdb_keywords()");
      const extensions = await conn.runAndReadAll(
        `SELECT extension_name, coalesce(extension_version, ''), install_mode = 'STATICALLY_LINKED',
                coalesce(description, '')
           FROM duckdb_extensions() ORDER BY extension_name`,
      );
      return {
        version: version(),
        typeNamer: new TypeNamer(keywords.getRows().map((r) => String(r[0]))),
        extensions: extensions.getRows().map(([name, ver, builtIn, description]) => ({
          name: String(name),
          version: String(ver),
          builtIn: builtIn === true,
          description: String(description),
        })),
      };
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
