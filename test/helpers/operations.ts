/** The operations a frontend sends, shared by the end-to-end tests. */
export const CREATE = `mutation Create($input: CreateConversationInput!) {
  createConversation(input: $input) { id title systemPrompt model messageCount }
}`;

export const SEND = `mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) {
    userMessage { id role content status clientMessageId }
    assistantMessage { id role content status model usage { promptTokens completionTokens totalTokens } }
    usage { promptTokens completionTokens totalTokens }
  }
}`;

export const MESSAGES = `query Messages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  conversation(id: $id) {
    id messageCount
    messages(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id role content status } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}`;

export const CONVERSATIONS = `query Conversations($first: Int, $after: String) {
  conversations(first: $first, after: $after) {
    edges { cursor node { id title } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const RENAME = `mutation Rename($id: ID!, $title: String!) { renameConversation(id: $id, title: $title) { id title } }`;
export const DELETE = `mutation Delete($id: ID!) { deleteConversation(id: $id) { deletedConversationId } }`;
