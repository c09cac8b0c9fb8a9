import type { CodegenConfig } from '@graphql-codegen/cli';

/** Resolver types generated from schema/; `npm run codegen` rewrites the file, a test checks it is current. */
const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  generates: {
    'src/graphql/generated/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        contextType: '../context#GraphQLContext',
        useIndexSignature: false,
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'Date', ID: 'string' },
        mappers: {
          Conversation: '../../ports/chat-store#ConversationRecord as ConversationModel',
          Message: '../../ports/chat-store#MessageRecord as MessageModel',
          Viewer: '../../services/viewer#Viewer as ViewerModel',
          ReplyEvent: '../../services/streaming/reply-watcher#ReplyStreamEvent as ReplyEventModel',
        },
      },
    },
  },
};

export default config;
