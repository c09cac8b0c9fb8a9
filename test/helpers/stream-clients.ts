import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client } from 'graphql-ws';
import type { ExecutionResult } from 'graphql';
import { WebSocket } from 'ws';

export const REPLY_STREAM = `subscription Reply($messageId: ID!, $afterSeq: Int) {
  replyStream(messageId: $messageId, afterSeq: $afterSeq) {
    seq delta message { id status content usage { totalTokens } }
  }
}`;

export interface StreamedEvent {
  seq: number;
  delta: string | null;
  message: { id: string; status: string; content: string; usage: { totalTokens: number } | null } | null;
}

export interface Collected {
  events: StreamedEvent[];
  /** GraphQL errors the stream ended with, or the socket's close event. */
  errors: unknown;
}

/** A graphql-ws client as a frontend makes one (Node 20 has no global WebSocket). */
export function wsClient(baseUrl: string, token: string | null, extra: { connectionParams?: Record<string, unknown> } = {}): Client {
  return createWsClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: extra.connectionParams ?? (token ? { authorization: `Bearer ${token}` } : {}),
    lazy: true,
    retryAttempts: 0,
  });
}

type Reply = { replyStream: StreamedEvent };
type Sink = { next(result: ExecutionResult<Reply, unknown>): void; error(error: unknown): void; complete(): void };
type Subscribe = (payload: { query: string; variables: Record<string, unknown> }, sink: Sink) => () => void;

/**
 * Follows a reply until the stream ends, or until `stopAfter` events arrived (then it
 * unsubscribes, as a tab that closes would), over either transport's client.
 */
function collect(subscribe: Subscribe, messageId: string, options: { afterSeq?: number; stopAfter?: number }, finish: () => void = () => undefined): Promise<Collected> {
  return new Promise((resolve) => {
    const events: StreamedEvent[] = [];
    const done = (collected: Collected) => {
      finish();
      resolve(collected);
    };
    const unsubscribe = subscribe(
      { query: REPLY_STREAM, variables: { messageId, afterSeq: options.afterSeq } },
      {
        next: (result) => {
          if (result.errors) return done({ events, errors: result.errors });
          events.push(result.data!.replyStream);
          if (options.stopAfter !== undefined && events.length >= options.stopAfter) {
            unsubscribe();
            done({ events, errors: null });
          }
        },
        error: (error: unknown) => done({ events, errors: error }),
        complete: () => done({ events, errors: null }),
      },
    );
  });
}

/** Over graphql-ws, on a client the caller owns (and disposes). */
export function collectWs(client: Client, messageId: string, options: { afterSeq?: number; stopAfter?: number } = {}): Promise<Collected> {
  return collect((payload, sink) => client.subscribe<Reply>(payload, sink), messageId, options);
}

/** Over graphql-sse (Server-Sent Events), with the token as a bearer header, on a client of its own. */
export function collectSse(baseUrl: string, token: string, messageId: string, options: { afterSeq?: number; stopAfter?: number } = {}): Promise<Collected> {
  const client = createSseClient({ url: `${baseUrl}/graphql`, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  return collect((payload, sink) => client.subscribe<Reply>(payload, sink), messageId, options, () => client.dispose());
}

export const joined = (events: StreamedEvent[]) => events.map((event) => event.delta ?? '').join('');

export const SEND = `mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) {
    userMessage { id content status }
    assistantMessage { id status content usage { totalTokens } cache { hit } }
    usage { totalTokens }
  }
}`;
export const CANCEL = `mutation Cancel($id: ID!) { cancelReply(messageId: $id) { id status content usage { totalTokens } } }`;

export interface Sent {
  sendMessage: {
    userMessage: { id: string; content: string; status: string };
    assistantMessage: { id: string; status: string; content: string; usage: { totalTokens: number } | null; cache: { hit: string } | null };
    usage: { totalTokens: number };
  };
}

/** Polls until `check` holds; fails after `ms`. */
export async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A first turn in a new conversation, as a chat UI sends it (`stream` optional). */
export async function sendInNewConversation(
  t: { gql: <T>(token: string | null, query: string, variables?: Record<string, unknown>) => Promise<ExecutionResult<T>> },
  token: string,
  content: string,
  extra: { stream?: boolean } = {},
): Promise<ExecutionResult<Sent>> {
  const created = await t.gql<{ createConversation: { id: string } }>(token, CREATE_CONVERSATION, { input: {} });
  return t.gql<Sent>(token, SEND, { input: { conversationId: created.data!.createConversation.id, content, ...extra } });
}

const CREATE_CONVERSATION = 'mutation Create($input: CreateConversationInput!) { createConversation(input: $input) { id } }';
