import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Repository root: the compose file, Dockerfile and ops folders live here. */
export const ROOT = join(__dirname, '..', '..');
export const DASHBOARD_DIR = join(ROOT, 'grafana', 'dashboards');
/** The uid the Grafana data source is provisioned with, and every panel names. */
export const DATASOURCE_UID = 'prometheus';

export function readText(relativePath: string): string {
  return readFileSync(join(ROOT, relativePath), 'utf8');
}

/** Parses strictly: duplicate keys and YAML syntax errors throw. */
export function readYaml(relativePath: string): unknown {
  return parseYaml(readText(relativePath), { uniqueKeys: true, prettyErrors: true });
}

export const exists = (relativePath: string): boolean => existsSync(join(ROOT, relativePath));

// ---- docker-compose.yml ---------------------------------------------------------------

const dependency = z.object({ condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']), required: z.boolean().optional() });
const service = z.looseObject({
  image: z.string().optional(),
  build: z.union([z.string(), z.looseObject({ context: z.string(), target: z.string().optional() })]).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  depends_on: z.union([z.array(z.string()), z.record(z.string(), dependency)]).optional(),
  healthcheck: z.looseObject({ test: z.union([z.string(), z.array(z.string())]) }).optional(),
  volumes: z.array(z.string()).optional(),
  ports: z.array(z.string()).optional(),
  profiles: z.array(z.string()).optional(),
});
export const composeSchema = z.looseObject({
  services: z.record(z.string(), service),
  volumes: z.record(z.string(), z.union([z.null(), z.looseObject({})])).optional(),
});
export type Compose = z.infer<typeof composeSchema>;
export type ComposeService = z.infer<typeof service>;

export function readCompose(): Compose {
  return composeSchema.parse(readYaml('docker-compose.yml'));
}

export function serviceOf(compose: Compose, name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

/** depends_on in its long form; the short list form means `service_started`. */
export function dependenciesOf(svc: ComposeService): Record<string, z.infer<typeof dependency>> {
  const deps = svc.depends_on ?? {};
  if (!Array.isArray(deps)) return deps;
  return Object.fromEntries(deps.map((name) => [name, { condition: 'service_started' as const }]));
}

export const commandOf = (svc: ComposeService): string[] =>
  typeof svc.command === 'string' ? svc.command.split(/\s+/) : (svc.command ?? []);

export const healthcheckText = (svc: ComposeService): string =>
  [svc.healthcheck?.test ?? []].flat().join(' ');

/** A short-syntax volume `source:target[:mode]`; named when the source is not a path. */
export interface Mount {
  source: string;
  target: string;
  named: boolean;
}

export function mountsOf(svc: ComposeService): Mount[] {
  return (svc.volumes ?? []).map((spec) => {
    const [source = '', target = ''] = spec.split(':');
    return { source, target, named: !/^[./~]/.test(source) };
  });
}

/**
 * Compose interpolation as `docker compose up` does it on a machine that sets none of the
 * variables: `${VAR:-default}` and `${VAR-default}` become the default, `$$` a literal `$`.
 * A reference without a default (`${VAR}`, `$VAR`, `${VAR:?error}`) throws, because then the
 * file would not run with no edits.
 */
export function interpolateDefaults(value: string): string {
  return interpolate(value, {});
}

/**
 * Compose's interpolation: `${X:-default}` / `${X-default}` take X from `env` or the default;
 * `${X:?message}` / `${X?message}` require X, as `docker compose up` does (it stops with the
 * message when X is unset). `$$` is a literal `$`.
 */
export function interpolate(value: string, env: Record<string, string>): string {
  const reference = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*)|(:?\?)([^}]*))?\}|\$[A-Za-z_][A-Za-z0-9_]*/g;
  return value.replace(reference, (match: string, name?: string, dash?: string, fallback?: string, question?: string, message?: string) => {
    if (match === '$$') return '$';
    if (!name) throw new Error(`"${match}": use \${NAME:-default} or \${NAME:?message}`);
    const given = env[name];
    if (dash !== undefined) return given !== undefined && (dash === '-' || given !== '') ? given : (fallback ?? '');
    if (question !== undefined) {
      if (given === undefined || (question === ':?' && given === '')) throw new Error(`${name}: ${message ?? 'required'}`);
      return given;
    }
    throw new Error(`"${match}" has no default: \`docker compose up\` would need it set`);
  });
}

/** The variables a reference requires (`${X:?…}`), in order of appearance. */
export function requiredVariables(value: string): string[] {
  return [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?[^}]*\}/g)].map((match) => match[1]!);
}

// ---- Dockerfile ------------------------------------------------------------------------

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name?: string;
  from: string;
  instructions: Instruction[];
}

/** Stages of a Dockerfile, with line continuations joined and ARG defaults before FROM resolved. */
export function readDockerfile(relativePath = 'Dockerfile'): Stage[] {
  const lines = readText(relativePath)
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      const from = image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => args[arg] ?? '');
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = instruction.args.split('=');
      args[name] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

// ---- Prometheus and Grafana -------------------------------------------------------------

const alertRule = z.looseObject({
  alert: z.string(),
  expr: z.string(),
  for: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export const rulesSchema = z.object({
  groups: z.array(z.object({ name: z.string(), rules: z.array(alertRule).min(1) })).min(1),
});
export type AlertRule = z.infer<typeof alertRule>;

export function alertRules(): AlertRule[] {
  return rulesSchema.parse(readYaml('prometheus/alerts.yml')).groups.flatMap((group) => group.rules);
}

const datasourceRef = z.looseObject({ type: z.string().optional(), uid: z.string().optional() });
const target = z.looseObject({ refId: z.string().optional(), expr: z.string().optional(), datasource: datasourceRef.optional() });
const panel = z.looseObject({
  id: z.number(),
  type: z.string(),
  title: z.string(),
  datasource: datasourceRef.optional(),
  targets: z.array(target).optional(),
  gridPos: z.object({ h: z.number(), w: z.number(), x: z.number(), y: z.number() }),
});
const variable = z.looseObject({
  name: z.string(),
  type: z.string(),
  datasource: datasourceRef.optional(),
  query: z.union([z.string(), z.looseObject({ query: z.string() })]).optional(),
});
export const dashboardSchema = z.looseObject({
  uid: z.string().min(1),
  title: z.string().min(1),
  schemaVersion: z.number(),
  panels: z.array(panel).min(1),
  templating: z.object({ list: z.array(variable) }).optional(),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

/** Every dashboard JSON in grafana/dashboards, by file name. */
export function dashboards(): Array<{ file: string; dashboard: Dashboard }> {
  return readdirSync(DASHBOARD_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: dashboardSchema.parse(JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8'))) }));
}

/** Every query expression in dashboards (panel targets, variable queries) and alert rules. */
export function queryExpressions(): Array<{ where: string; expr: string }> {
  const found: Array<{ where: string; expr: string }> = [];
  for (const { file, dashboard } of dashboards()) {
    for (const item of dashboard.panels) {
      for (const query of item.targets ?? []) {
        if (query.expr) found.push({ where: `${file} › ${item.title}`, expr: query.expr });
      }
    }
    for (const item of dashboard.templating?.list ?? []) {
      const query = typeof item.query === 'string' ? item.query : item.query?.query;
      if (query) found.push({ where: `${file} › $${item.name}`, expr: query });
    }
  }
  for (const rule of alertRules()) found.push({ where: `alerts.yml › ${rule.alert}`, expr: rule.expr });
  return found;
}

const METRIC_NAME = /\b(?:parley|process|nodejs)_[a-z0-9_]+\b/g;

/**
 * Series names an expression reads: Parley's own and prom-client's default process and
 * Node.js metrics (`up` and other Prometheus-made series are not Parley's to export).
 */
export function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(METRIC_NAME)].map(([name]) => name))];
}

/** `x_bucket`, `x_sum` and `x_count` are series of the histogram (or summary) family `x`. */
export function histogramFamily(name: string): string | undefined {
  return /^(.+)_(?:bucket|sum|count)$/.exec(name)?.[1];
}
