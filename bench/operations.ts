/** The operations under measurement, shaped like a frontend's. */
export const TYPENAME = `{ __typename }`;

/** The same sendMessage a frontend (and the end-to-end tests) send. */
export { SEND } from '../test/helpers/operations';

export const CONVERSATIONS = `query Conversations($first: Int) {
  conversations(first: $first) {
    edges { cursor node { id title model messageCount lastMessageAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const MESSAGES = `query Messages($id: ID!, $last: Int) {
  conversation(id: $id) {
    id messageCount
    messages(last: $last) {
      edges { cursor node { id role content status createdAt } }
      pageInfo { hasPreviousPage startCursor }
    }
  }
}`;

/** The body Parley's model client sends for a first turn, for the direct-model baseline. */
export function modelBody(content: string): string {
  return JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_completion_tokens: 1024, stream: false });
}

export function graphqlBody(query: string, variables: Record<string, unknown> = {}): string {
  return JSON.stringify({ query, variables });
}
