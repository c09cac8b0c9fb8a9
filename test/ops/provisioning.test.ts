import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { z } from 'zod';
import {
  DATASOURCE_UID, ROOT, alertRules, dashboards, exists, interpolateDefaults, mountsOf, queryExpressions, readCompose, readYaml, serviceOf,
} from './ops-files';

const compose = readCompose();

/** The repository path a container path comes from, through the service's bind mounts. */
function hostPath(service: string, containerPath: string): string | undefined {
  for (const mount of mountsOf(serviceOf(compose, service)).filter((item) => !item.named)) {
    const inside = posix.relative(mount.target, containerPath);
    if (!inside.startsWith('..') && !posix.isAbsolute(inside)) return `./${posix.join(mount.source, inside)}`;
  }
  return undefined;
}

/** Brackets, braces and parentheses balance, and quotes close: a cheap PromQL syntax check. */
function balanced(expr: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const char of expr.replace(/"(?:[^"\\]|\\.)*"/g, '')) {
    if ('([{'.includes(char)) stack.push(char);
    else if (char in pairs && stack.pop() !== pairs[char]) return false;
    else if (char === '"') return false;
  }
  return stack.length === 0;
}

const prometheusSchema = z.looseObject({
  global: z.looseObject({ scrape_interval: z.string(), evaluation_interval: z.string() }),
  rule_files: z.array(z.string()).min(1),
  scrape_configs: z.array(z.looseObject({
    job_name: z.string(),
    metrics_path: z.string().optional(),
    static_configs: z.array(z.object({ targets: z.array(z.string()) })),
  })),
});

describe('Prometheus', () => {
  const config = prometheusSchema.parse(readYaml('prometheus/prometheus.yml'));

  it('is mounted where --config.file points, and loads rule files that exist', () => {
    const prometheus = serviceOf(compose, 'prometheus');
    const flag = [prometheus.command ?? []].flat().find((item) => item.startsWith('--config.file='));
    expect(hostPath('prometheus', flag!.split('=')[1]!)).toBe('./prometheus/prometheus.yml');
    for (const file of config.rule_files) expect({ file, exists: exists(join('prometheus', file)) }).toEqual({ file, exists: true });
  });

  it("scrapes Parley's /metrics on the service and the metrics port compose runs it on", () => {
    const job = config.scrape_configs.find((item) => item.job_name === 'parley');
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics');
    const [host, port] = (job?.static_configs[0]?.targets[0] ?? '').split(':');
    expect(host).toBe('parley');
    const parley = serviceOf(compose, 'parley');
    expect(interpolateDefaults(String(parley.environment?.METRICS_PORT))).toBe(port);
  });

  it('has rules with an expression, a duration, a severity and a summary and description each', () => {
    const rules = alertRules();
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect({
        alert: rule.alert,
        balanced: balanced(rule.expr),
        for: rule.for,
        severity: rule.labels?.severity,
        summary: rule.annotations?.summary?.length,
        description: rule.annotations?.description?.length,
      }).toEqual({
        alert: rule.alert,
        balanced: true,
        for: expect.stringMatching(/^\d+[smh]$/),
        severity: expect.stringMatching(/^(critical|warning)$/),
        summary: expect.any(Number),
        description: expect.any(Number),
      });
    }
  });

  it('alerts on an open breaker, the error ratio, p99 latency, a cache hit collapse and budget rejections', () => {
    const rules = alertRules();
    const about = (pattern: RegExp) => rules.filter((rule) => pattern.test(rule.expr));
    expect(about(/max by \(upstream\) \(parley_breaker_state\) == 2/).map((rule) => rule.for)).toEqual(['1m']);
    expect(about(/parley_graphql_errors_total[\s\S]*\/[\s\S]*parley_graphql_operations_total[\s\S]*> 0\.01/)).toHaveLength(1);
    expect(about(/histogram_quantile\(0\.99,[\s\S]*parley_graphql_operation_duration_seconds_bucket/).length).toBeGreaterThanOrEqual(2);
    expect(about(/parley_cache_requests_total[\s\S]*\[1h\]/)).toHaveLength(1);
    expect(about(/rate\(parley_budget_rejections_total/)).toHaveLength(1);
  });
});

const datasources = z.object({
  apiVersion: z.literal(1),
  datasources: z.array(z.looseObject({ name: z.string(), uid: z.string(), type: z.string(), url: z.string() })).min(1),
});
const providers = z.object({
  apiVersion: z.literal(1),
  providers: z.array(z.looseObject({ name: z.string(), type: z.literal('file'), options: z.object({ path: z.string() }) })).min(1),
});

describe('Grafana provisioning', () => {
  const provisioning = hostPath('grafana', '/etc/grafana/provisioning');
  const yamlIn = (folder: string) =>
    readdirSync(join(ROOT, provisioning!, folder)).filter((file) => /\.ya?ml$/.test(file)).map((file) => readYaml(join(provisioning!, folder, file)));

  it('is mounted from the repository at /etc/grafana/provisioning', () => {
    expect(provisioning).toBe('./grafana/provisioning');
  });

  it('provisions the Prometheus data source with the uid every panel names, at the compose service', () => {
    const all = yamlIn('datasources').flatMap((file) => datasources.parse(file).datasources);
    const prometheus = all.find((item) => item.uid === DATASOURCE_UID);
    expect(prometheus).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    expect(serviceOf(compose, 'prometheus').ports?.map((mapping) => interpolateDefaults(mapping).split(':').at(-1))).toContain('9090');
  });

  it('loads dashboards from a mounted folder that holds every dashboard file', () => {
    const paths = yamlIn('dashboards').flatMap((file) => providers.parse(file).providers.map((item) => item.options.path));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const source = hostPath('grafana', path);
      expect({ path, source }).toEqual({ path, source: './grafana/dashboards' });
    }
    const home = serviceOf(compose, 'grafana').environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    if (home !== undefined) expect(exists(hostPath('grafana', String(home)) ?? 'missing')).toBe(true);
  });
});

describe('Grafana dashboards', () => {
  const all = dashboards();

  it('include API health and LLM cost and cache, each with a unique uid and title', () => {
    const titles = all.map(({ dashboard }) => dashboard.title);
    expect(titles).toEqual(expect.arrayContaining(['Parley — API health', 'Parley — LLM cost and cache']));
    expect(new Set(titles).size).toBe(all.length);
    expect(new Set(all.map(({ dashboard }) => dashboard.uid)).size).toBe(all.length);
    for (const { dashboard } of all) expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it('give every panel the provisioned data source and at least one query', () => {
    for (const { file, dashboard } of all) {
      const ids = dashboard.panels.map((item) => item.id);
      expect({ file, duplicateIds: ids.length - new Set(ids).size }).toEqual({ file, duplicateIds: 0 });
      for (const item of dashboard.panels.filter((candidate) => candidate.type !== 'row')) {
        const targets = item.targets ?? [];
        expect({
          panel: `${file} › ${item.title}`,
          datasource: item.datasource?.uid,
          queries: targets.filter((query) => (query.expr ?? '').trim() !== '').length > 0,
          targetDatasources: targets.every((query) => query.datasource === undefined || query.datasource.uid === DATASOURCE_UID),
          fits: item.gridPos.x + item.gridPos.w <= 24,
        }).toEqual({ panel: `${file} › ${item.title}`, datasource: DATASOURCE_UID, queries: true, targetDatasources: true, fits: true });
      }
      for (const variable of dashboard.templating?.list ?? []) {
        if (variable.type === 'query') expect(variable.datasource?.uid).toBe(DATASOURCE_UID);
      }
    }
  });

  it('have well-formed query expressions', () => {
    for (const { where, expr } of queryExpressions()) expect({ where, balanced: balanced(expr) }).toEqual({ where, balanced: true });
  });
});
