import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../observability/logger';
import type { Viewer } from '../services/viewer';
import { clientIp } from './client-ip';
import { buildContext, resolveViewer, type ContextDeps } from './context';
import { formatError } from './format-error';
import { allValidationRules, streamExecutionArgs, type ValidationOptions } from './validation-rules';

export interface WebSocketServerOptions extends ValidationOptions {
  httpServer: Server;
  schema: GraphQLSchema;
  context: ContextDeps;
  log: Logger;
  trustProxy: number;
  /** A socket that sends no connection_init within this is closed with 4408. */
  connectionInitTimeoutMs: number;
}

interface SocketState {
  viewer?: Viewer;
  expiry?: NodeJS.Timeout;
}

/** Longest timer Node accepts; tokens living longer are re-checked when it fires. */
const MAX_TIMER_MS = 2_147_483_647;
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Close codes: no token 4401, a refused token 4403 (graphql-ws clients retry it with fresh params), too many failures 4429. */
const CLOSE = { unauthorized: 4401, tooManyAttempts: 4429 } as const;

/**
 * graphql-ws (the graphql-transport-ws protocol) on the HTTP server's /graphql path. The token
 * comes in connection_init's payload as `authorization: "Bearer …"`, checked like an HTTP
 * request's (same verifier, same per-IP failure limits); the socket closes when it expires.
 * Operations get the same validation rules as HTTP, and only subscriptions are served.
 */
export function startWebSocketServer(options: WebSocketServerOptions): { dispose(): Promise<void> } {
  const wss = new WebSocketServer({ server: options.httpServer, path: '/graphql', maxPayload: MAX_MESSAGE_BYTES });
  const state = new WeakMap<object, SocketState>();
  const rules = allValidationRules(options);
  const server = useServer<Record<string, unknown> | undefined>(
    {
      connectionInitWaitTimeout: options.connectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const header = authorizationOf(ctx.connectionParams);
        if (!header) return refuse(socket, CLOSE.unauthorized, 'Unauthorized: send {"authorization": "Bearer <token>"} in connection_init');
        let viewer: Viewer | null;
        try {
          viewer = await resolveViewer(options.context, header, clientIp(ctx.extra.request, options.trustProxy));
        } catch (error: unknown) {
          const tooMany = httpStatus(error) === 429;
          return refuse(socket, tooMany ? CLOSE.tooManyAttempts : CloseCode.Forbidden, tooMany ? 'Too many failed authentication attempts' : 'Forbidden: the token is invalid or expired');
        }
        const entry: SocketState = { viewer: viewer ?? undefined };
        state.set(socket, entry);
        scheduleExpiry(entry, socket, viewer?.expiresAtMs);
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        const args = streamExecutionArgs(options.schema, options, rules, payload);
        if (Array.isArray(args)) return args;
        const viewer = state.get(ctx.extra.socket)?.viewer ?? null;
        return { ...args, contextValue: buildContext(options.context, viewer, randomUUID(), 'websocket') };
      },
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)),
      onClose: (ctx) => clearTimeout(state.get(ctx.extra.socket)?.expiry),
    },
    wss,
  );
  wss.on('error', (error: Error) => options.log.warn('websocket server error', { err: error.message }));
  return { dispose: async () => server.dispose() };
}

function refuse(socket: Extra['socket'], code: number, reason: string): false {
  socket.close(code, reason);
  return false;
}

/** Sandbox and browsers put headers into connectionParams with either spelling. */
function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function scheduleExpiry(entry: SocketState, socket: Extra['socket'], expiresAtMs: number | undefined): void {
  if (expiresAtMs === undefined || expiresAtMs <= 0) return;
  const wait = Math.max(0, expiresAtMs - Date.now());
  entry.expiry = setTimeout(() => {
    if (Date.now() >= expiresAtMs) socket.close(CloseCode.Forbidden, 'Token expired');
    else scheduleExpiry(entry, socket, expiresAtMs);
  }, Math.min(wait, MAX_TIMER_MS));
  entry.expiry.unref();
}

function httpStatus(error: unknown): number | undefined {
  const extensions = (error as { extensions?: { http?: { status?: number } } }).extensions;
  return extensions?.http?.status;
}
