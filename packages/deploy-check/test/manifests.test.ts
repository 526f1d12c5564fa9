import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { variable } from "../src/index.js";
import { HTTP_PATHS, listeningPorts, type PortKind, rolesOf } from "./roles.js";

// The deployment files, read as the tools that run them read them, and held to the code:
// variables from the catalogue (which the readers are held to), ports the readers say the
// container listens on, probes at endpoints those ports serve.
const root = fileURLToPath(new URL("../../..", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");

type Env = Record<string, string>;

/** Every name a manifest sets must be in the catalogue; a secret must not be written out. */
function expectKnownVariables(where: string, env: Env, fromSecretStore: Set<string>): void {
  for (const [name, value] of Object.entries(env)) {
    const listed = variable(name);
    expect(listed, `${where} sets ${name}, which no isa-cloud service reads`).toBeDefined();
    if (listed?.secret) {
      const external = fromSecretStore.has(name) || /^\$\{[^}]+\}$/.test(value);
      expect(external, `${where} writes the secret ${name} in plain text`).toBe(true);
    }
  }
}

/** `${VAR}`, `${VAR:-default}`, `${VAR:?message}` as compose resolves them, with placeholders. */
function interpolated(env: Record<string, unknown>): Env {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [
      k,
      String(v).replace(
        /\$\{(\w+)(?::-([^}]*))?[^}]*\}/g,
        (_m, _name, fallback) => fallback ?? "x",
      ),
    ]),
  );
}

function expectProbe(where: string, ports: Map<number, PortKind>, port: number, path?: string) {
  const kind = ports.get(port);
  expect(kind, `${where} probes port ${port}, on which nothing listens`).toBeDefined();
  if (path === undefined) {
    expect(kind, `${where}: a gRPC health probe must hit a gRPC port`).toBe("grpc");
  } else {
    expect(
      HTTP_PATHS[kind!] ?? [],
      `${where}: ${path} is not served on port ${port} (${kind})`,
    ).toContain(path);
  }
}

describe("Dockerfile", () => {
  const text = read("Dockerfile").replace(/\\\n/g, " ");
  const lines = text.split("\n").map((l) => l.trim());
  const runtime = lines.slice(lines.findLastIndex((l) => l.startsWith("FROM ")));
  const instruction = (name: string) => runtime.filter((l) => l.startsWith(`${name} `));
  const env: Env = Object.fromEntries(
    instruction("ENV").flatMap((l) =>
      [...l.slice(4).matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/"/g, "")]),
    ),
  );

  it("builds in one stage and runs in another, as a user that is not root, with isa as entry", () => {
    expect(lines.filter((l) => l.startsWith("FROM ")).length).toBeGreaterThanOrEqual(2);
    const user = instruction("USER").at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(instruction("ENTRYPOINT").at(-1)).toBe('ENTRYPOINT ["isa"]');
    expect(instruction("CMD").at(-1)).toMatch(/^CMD \["start"/);
  });

  it("sets only variables the services read", () => {
    expectKnownVariables("Dockerfile", env, new Set());
  });

  it("exposes only ports `isa start` listens on, all of them", () => {
    const exposed = instruction("EXPOSE").flatMap((l) => l.slice(7).split(/\s+/).map(Number));
    const cmd = JSON.parse(instruction("CMD").at(-1)!.slice(4)) as string[];
    const ports = listeningPorts(rolesOf(cmd), env);
    expect(new Set(exposed)).toEqual(new Set(ports.keys()));
  });

  it("checks its health with the script it copies in, which exists", () => {
    const check = instruction("HEALTHCHECK").at(-1);
    expect(check).toMatch(/CMD \["node", "\/app\/healthcheck\.mjs"\]/);
    expect(runtime).toContain("COPY deploy/healthcheck.mjs /app/healthcheck.mjs");
    expect(existsSync(join(root, "deploy/healthcheck.mjs"))).toBe(true);
  });
});

describe("compose.yaml", () => {
  const compose = parse(read("compose.yaml"), { merge: true }) as {
    services: Record<string, Record<string, unknown>>;
  };
  const isa = Object.entries(compose.services).filter(
    ([, s]) => s.build !== undefined || String(s.image ?? "").startsWith("isa-cloud"),
  );
  const portsOf = new Map(
    isa.map(([name, s]) => [
      name,
      listeningPorts(
        rolesOf(s.command as string[]),
        interpolated(s.environment as Record<string, unknown>),
      ),
    ]),
  );

  it("runs storage, analytics and the API from the image, and MinIO beside them", () => {
    expect(new Set(isa.flatMap(([, s]) => rolesOf(s.command as string[])))).toEqual(
      new Set(["storage", "analytics", "api"]),
    );
    expect(Object.keys(compose.services)).toContain("minio");
  });

  it("sets only variables the services read, and no secret in plain text", () => {
    for (const [name, s] of isa) {
      expectKnownVariables(`compose service ${name}`, s.environment as Env, new Set());
    }
  });

  it("publishes and exposes only ports the services listen on", () => {
    for (const [name, s] of isa) {
      const containerPorts = [
        ...((s.expose as string[] | undefined) ?? []),
        ...((s.ports as string[] | undefined) ?? []).map((p) => String(p).split(":").at(-1)!),
      ].map(Number);
      for (const port of containerPorts) {
        expect(
          portsOf.get(name)!.has(port),
          `${name} exposes ${port}, which it does not listen on`,
        ).toBe(true);
      }
    }
  });

  it("points every service at another by a name and port that exist", () => {
    for (const [name, s] of isa) {
      const env = interpolated(s.environment as Record<string, unknown>);
      for (const [host, port, kind] of [
        ["MINIO_GRPC_HOST", "MINIO_GRPC_PORT", "storage"],
        ["DUCKDB_GRPC_HOST", "DUCKDB_GRPC_PORT", "analytics"],
      ] as const) {
        const target = compose.services[env[host]!];
        expect(target, `${name}: ${host}=${env[host]} is no service`).toBeDefined();
        expect(rolesOf(target!.command as string[])).toContain(kind);
        expect(portsOf.get(env[host]!)!.get(Number(env[port]))).toBe("grpc");
      }
      for (const url of [env.MINIO_S3_ENDPOINT, ...(env.ISA_ETCD_ENDPOINTS ?? "").split(",")]) {
        if (!url) continue;
        const host = new URL(url).hostname;
        expect(
          compose.services[host],
          `${name} names ${url}, whose host is no service`,
        ).toBeDefined();
      }
    }
  });

  it("checks health with the image's script", () => {
    for (const [name, s] of isa) {
      const test = (s.healthcheck as { test: string[] }).test;
      expect(test, name).toEqual(["CMD", "node", "/app/healthcheck.mjs"]);
    }
  });
});

describe("deploy/k8s", () => {
  const dir = join(root, "deploy/k8s");
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
  // biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects, checked field by field
  const objects: any[] = files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => d.toJS()),
  );
  const ofKind = (kind: string) => objects.filter((o) => o?.kind === kind);
  const configMaps = new Map(ofKind("ConfigMap").map((c) => [c.metadata.name, c.data as Env]));
  const deployments = ofKind("Deployment");

  // biome-ignore lint/suspicious/noExplicitAny: a container spec
  function envOf(container: any): { env: Env; fromSecrets: Set<string> } {
    const env: Env = {};
    const fromSecrets = new Set<string>();
    for (const source of container.envFrom ?? []) {
      Object.assign(env, configMaps.get(source.configMapRef?.name) ?? {});
    }
    for (const entry of container.env ?? []) {
      if (entry.valueFrom?.secretKeyRef) {
        fromSecrets.add(entry.name);
        env[entry.name] = "from-secret";
      } else env[entry.name] = String(entry.value);
    }
    return { env, fromSecrets };
  }

  it("lists every file in the kustomization", () => {
    const kustomization = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8"));
    expect(new Set(kustomization.resources)).toEqual(
      new Set(files.filter((f) => f !== "kustomization.yaml")),
    );
  });

  it("runs storage, analytics and the API, each with requests, not as root", () => {
    const roles = deployments.flatMap((d) => rolesOf(d.spec.template.spec.containers[0].args));
    expect(new Set(roles)).toEqual(new Set(["storage", "analytics", "api"]));
    for (const d of deployments) {
      expect(d.spec.template.spec.securityContext?.runAsNonRoot, d.metadata.name).toBe(true);
      for (const c of d.spec.template.spec.containers) {
        expect(c.resources?.requests?.cpu, `${d.metadata.name} cpu request`).toBeDefined();
        expect(c.resources?.requests?.memory, `${d.metadata.name} memory request`).toBeDefined();
      }
    }
  });

  it("sets only variables the services read, secrets from a Secret", () => {
    for (const [name, data] of configMaps) {
      expectKnownVariables(`ConfigMap ${name}`, data, new Set());
    }
    for (const d of deployments) {
      for (const c of d.spec.template.spec.containers) {
        const { env, fromSecrets } = envOf(c);
        expectKnownVariables(`Deployment ${d.metadata.name}`, env, fromSecrets);
      }
    }
  });

  it("declares the ports the containers listen on, and probes real endpoints", () => {
    for (const d of deployments) {
      const name = d.metadata.name;
      for (const c of d.spec.template.spec.containers) {
        const ports = listeningPorts(rolesOf(c.args), envOf(c).env);
        for (const p of c.ports ?? []) {
          expect(ports.has(p.containerPort), `${name} declares ${p.containerPort}`).toBe(true);
        }
        expect(c.readinessProbe, `${name} readiness probe`).toBeDefined();
        expect(c.livenessProbe, `${name} liveness probe`).toBeDefined();
        for (const [which, probe] of [
          ["readiness", c.readinessProbe],
          ["liveness", c.livenessProbe],
        ]) {
          if (probe.grpc) expectProbe(`${name} ${which}`, ports, probe.grpc.port);
          else expectProbe(`${name} ${which}`, ports, probe.httpGet.port, probe.httpGet.path);
        }
        const annotations = d.spec.template.metadata.annotations ?? {};
        if (annotations["prometheus.io/scrape"] === "true") {
          expectProbe(
            `${name} scrape`,
            ports,
            Number(annotations["prometheus.io/port"]),
            annotations["prometheus.io/path"],
          );
        }
      }
    }
  });

  it("has a Service per Deployment onto its ports, and a PodDisruptionBudget for each", () => {
    const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const d of deployments) {
      const labels = d.spec.template.metadata.labels;
      const declared = new Set(
        d.spec.template.spec.containers.flatMap((c: { ports?: Array<{ containerPort: number }> }) =>
          (c.ports ?? []).map((p) => p.containerPort),
        ),
      );
      const services = ofKind("Service").filter((s) => selects(s.spec.selector, labels));
      expect(services.length, `${d.metadata.name} has a Service`).toBeGreaterThan(0);
      for (const s of services) {
        for (const p of s.spec.ports)
          expect(declared.has(p.targetPort), s.metadata.name).toBe(true);
      }
      const budgets = ofKind("PodDisruptionBudget").filter((p) =>
        selects(p.spec.selector.matchLabels, labels),
      );
      expect(budgets.length, `${d.metadata.name} has a PodDisruptionBudget`).toBe(1);
    }
  });

  it("points the services at each other through Services that exist", () => {
    const config = configMaps.get("isa-cloud-config")!;
    for (const [host, port] of [
      ["MINIO_GRPC_HOST", "MINIO_GRPC_PORT"],
      ["DUCKDB_GRPC_HOST", "DUCKDB_GRPC_PORT"],
    ] as const) {
      const service = ofKind("Service").find((s) => s.metadata.name === config[host]);
      expect(service, `${host}=${config[host]} is no Service`).toBeDefined();
      expect(service.spec.ports.map((p: { port: number }) => p.port)).toContain(
        Number(config[port]),
      );
    }
  });
});
