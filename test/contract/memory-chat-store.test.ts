import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store';
import { defineChatStoreContract } from './chat-store.contract';

defineChatStoreContract('MemoryChatStore', async () => {
  let store = new MemoryChatStore();
  return {
    get store() {
      return store;
    },
    reset: async () => {
      store = new MemoryChatStore();
    },
    close: async () => store.close(),
  };
});
