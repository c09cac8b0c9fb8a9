import { routeFor, type UpstreamTarget } from '../../../src/services/model-router/upstream-registry';

const targets: UpstreamTarget[] = [
  { provider: 'openai', model: 'gpt-4o', apiKeys: ['k'] },
  { provider: 'openai', model: 'gpt-4o-mini', apiKeys: ['k'] },
  { provider: 'azure', baseUrl: 'https://example.test/v1', model: 'gpt-4o-mini', apiKeys: ['k'] },
];

describe('routeFor', () => {
  it('puts the target serving the requested model first, then the others in order', () => {
    expect(routeFor(targets, 'gpt-4o-mini')).toEqual([
      { target: 1, model: 'gpt-4o-mini' },
      { target: 0, model: 'gpt-4o' },
      { target: 2, model: 'gpt-4o-mini' },
    ]);
  });

  it('asks the first target for a model no target names', () => {
    expect(routeFor(targets, 'o3')).toEqual([
      { target: 0, model: 'o3' },
      { target: 1, model: 'gpt-4o-mini' },
      { target: 2, model: 'gpt-4o-mini' },
    ]);
  });
});
