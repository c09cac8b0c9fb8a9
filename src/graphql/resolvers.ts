import type { ReplyStreamEvent } from '../services/streaming/reply-watcher';
import type { Resolvers } from './generated/resolvers-types';
import { clientErrors } from './graphql-stream';
import { DateTimeScalar } from './scalars';

/** One line each: resolvers name the service call, the service does the work. */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    me: (_, __, ctx) => ctx.viewer(),
    conversation: (_, { id }, ctx) => ctx.conversations.get(ctx.viewer(), id),
    conversations: (_, args, ctx) => ctx.conversations.list(ctx.viewer(), args),
    usage: (_, __, ctx) => ctx.budget.usage(ctx.viewer()),
    models: (_, __, ctx) => ctx.viewer() && ctx.models,
    node: (_, { id }, ctx) => ctx.conversations.node(ctx.viewer(), id),
  },
  Node: {
    __resolveType: (node) => ('role' in node ? 'Message' : 'Conversation'),
  },
  Mutation: {
    createConversation: (_, { input }, ctx) => ctx.conversations.create(ctx.viewer(), input),
    sendMessage: (_, { input }, ctx) => ctx.chat.sendMessage(ctx.viewer(), input),
    updateConversation: (_, { id, input }, ctx) => ctx.conversations.update(ctx.viewer(), id, input),
    renameConversation: (_, { id, title }, ctx) => ctx.conversations.rename(ctx.viewer(), id, title),
    updateSystemPrompt: (_, { id, systemPrompt }, ctx) => ctx.conversations.updateSystemPrompt(ctx.viewer(), id, systemPrompt),
    deleteConversation: (_, { id }, ctx) => ctx.conversations.delete(ctx.viewer(), id),
    cancelReply: (_, { messageId }, ctx) => ctx.replies.cancel(ctx.viewer(), messageId),
    regenerateReply: (_, args, ctx) => ctx.chat.regenerateReply(ctx.viewer(), args),
    editMessage: (_, args, ctx) => ctx.chat.editMessage(ctx.viewer(), args),
    selectBranch: (_, { messageId }, ctx) => ctx.conversations.selectBranch(ctx.viewer(), messageId),
    archiveConversation: (_, { id, archived }, ctx) => ctx.conversations.archive(ctx.viewer(), id, archived),
    rateMessage: (_, { messageId, rating, comment }, ctx) => ctx.conversations.rate(ctx.viewer(), messageId, rating, comment),
  },
  Subscription: {
    replyStream: {
      subscribe: (_, { messageId, afterSeq }, ctx) => clientErrors(ctx.replies.watch(ctx.viewer(), messageId, afterSeq, ctx.transport === 'sse' ? 'sse' : 'websocket')),
      resolve: (event: ReplyStreamEvent) => event,
    },
  },
  Message: {
    cache: (message) => (message.cache ? { hit: message.cache.level, similarity: message.cache.similarity } : null),
    siblings: (message, _, ctx) => ctx.siblings(message),
    siblingIndex: async (message, _, ctx) => (await ctx.siblings(message)).indexOf(message.id),
  },
  Conversation: {
    messages: (conversation, args, ctx) => ctx.messagesOf(conversation.id, args),
  },
};
