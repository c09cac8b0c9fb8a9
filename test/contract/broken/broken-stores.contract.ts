/**
 * Run only by contract-fails-broken-stores.test.ts (its name matches no test pattern): the
 * contract suite against deliberately broken stores, which it must fail.
 */
import { defineChatStoreContract } from '../chat-store.contract';
import { NonAtomicStore, NoUniquenessStore } from './broken-stores';

for (const [name, Store] of [['NonAtomicStore', NonAtomicStore], ['NoUniquenessStore', NoUniquenessStore]] as const) {
  defineChatStoreContract(name, async () => {
    let store = new Store();
    return {
      get store() {
        return store;
      },
      reset: async () => {
        store = new Store();
      },
      close: async () => undefined,
    };
  });
}
