import { CONVERSATIONS, CREATE, MESSAGES, SEND } from '../helpers/operations';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { dashboards, histogramFamily, metricNames, queryExpressions } from './ops-files';

/** `name → type` for every family in Prometheus text; prom-client prints these even before a sample. */
function familyTypes(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name!, type!]));
}

/** The family a series name belongs to in `types`, or undefined when Parley exports no such thing. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const family = histogramFamily(name);
  return family !== undefined && ['histogram', 'summary'].includes(types.get(family) ?? '') ? family : undefined;
}

/**
 * The dashboards and alerts are only as good as the names they query: a renamed or missing
 * metric leaves a panel empty and an alert silent, with no error anywhere. So every name they
 * use must be one a running Parley actually exports.
 */
describe('dashboards and alerts against a running Parley', () => {
  let t: TestApp;
  let types: Map<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    const token = await t.token('ops-viewer');
    const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE, { input: { title: 'ops' } });
    expect(created.errors).toBeUndefined();
    const conversationId = created.data!.createConversation.id;
    for (const content of ['first question', 'second question']) {
      expect((await t.gql(token, SEND, { input: { conversationId, content } })).errors).toBeUndefined();
    }
    expect((await t.gql(token, CONVERSATIONS, { first: 10 })).errors).toBeUndefined();
    expect((await t.gql(token, MESSAGES, { id: conversationId, first: 10 })).errors).toBeUndefined();
    const response = await fetch(`${t.url}/metrics`);
    if (!response.ok) throw new Error(`GET /metrics answered ${response.status}: it must serve Prometheus text`);
    types = familyTypes(await response.text());
  });
  afterAll(async () => t?.stop());

  it('exports every metric a dashboard panel, variable or alert rule queries', () => {
    const missing = queryExpressions().flatMap(({ where, expr }) =>
      metricNames(expr).filter((name) => familyOf(name, types) === undefined).map((name) => `${name} (${where})`));
    expect(missing).toEqual([]);
  });

  it('shows every Parley metric it exports on some dashboard', () => {
    const shown = new Set(
      dashboards().flatMap(({ dashboard }) =>
        dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricNames(target.expr ?? '').map((name) => familyOf(name, types))))),
    );
    const unseen = [...types.keys()].filter((name) => name.startsWith('parley_') && !shown.has(name));
    expect(unseen).toEqual([]);
  });
});
