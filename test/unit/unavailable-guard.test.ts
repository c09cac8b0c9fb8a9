import { guardUnavailable } from '../../src/adapters/mongo/unavailable-guard';
import { ServiceUnavailableError } from '../../src/errors';

const named = (name: string, message = 'boom') => Object.assign(new Error(message), { name });

class FlakyStore {
  constructor(private readonly failure: Error | null) {}
  async read(): Promise<string> {
    if (this.failure) throw this.failure;
    return 'value';
  }
  label(): string {
    return 'sync';
  }
}

describe('guardUnavailable', () => {
  it.each(['MongoServerSelectionError', 'MongoNetworkError', 'MongoNotConnectedError'])(
    'turns %s into SERVICE_UNAVAILABLE',
    async (name) => {
      await expect(guardUnavailable(new FlakyStore(named(name))).read()).rejects.toBeInstanceOf(ServiceUnavailableError);
    },
  );

  it('treats a mongoose buffering timeout as unavailable', async () => {
    const error = named('MongooseError', 'Operation `messages.find()` buffering timed out after 5000ms');
    await expect(guardUnavailable(new FlakyStore(error)).read()).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('passes other errors and results through unchanged', async () => {
    const other = named('MongoServerError', 'E11000 duplicate key');
    await expect(guardUnavailable(new FlakyStore(other)).read()).rejects.toBe(other);
    const healthy = guardUnavailable(new FlakyStore(null));
    await expect(healthy.read()).resolves.toBe('value');
    expect(healthy.label()).toBe('sync');
  });
});
