import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { GraphQLError, subscribe, validate, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/express';
import type { Logger } from '../observability/logger';
import type { Viewer } from '../services/viewer';
import { buildContext, resolveViewer, type ContextDeps, type GraphQLContext } from './context';
import { formatError } from './format-error';
import { allValidationRules, streamExecutionArgs, type ValidationOptions } from './validation-rules';

export interface SseOptions extends ValidationOptions {
  schema: GraphQLSchema;
  context: ContextDeps;
  log: Logger;
}

export interface SseRoute {
  /** Express middleware for /graphql: serves `Accept: text/event-stream` requests, passes the rest on. */
  handle(req: Request, res: Response, next: NextFunction): void;
  /** Ends every open stream (clients resume with afterSeq on another instance). */
  close(): void;
}

type SseContext = GraphQLContext & Record<PropertyKey, unknown>;

/** Longest timer Node accepts; a token living longer ends its stream then, and the client resumes. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * graphql-sse ("distinct connections" mode) on /graphql: a POST or GET with
 * `Accept: text/event-stream` opens one stream per operation, so `curl -N` can follow a reply.
 * Auth is the Authorization header, checked like any HTTP request before the stream opens; the
 * same validation rules apply, and only subscriptions are served.
 */
export function createSseRoute(options: SseOptions): SseRoute {
  const viewers = new WeakMap<object, Viewer | null>();
  const open = new Set<Response>();
  const rules = allValidationRules(options);
  const handler = createHandler<SseContext>({
    schema: options.schema,
    authenticate: () => null,
    validate: (schema, document) => validate(schema, document, rules),
    // Returning the arguments skips graphql-sse's own parse and validation (and its context option).
    onSubscribe: (req, params) => {
      const args = streamExecutionArgs(options.schema, options, rules, { query: String(params.query), operationName: params.operationName, variables: params.variables });
      // A refused operation is a 400 with its errors, as over HTTP; no stream is opened.
      if (Array.isArray(args)) return [JSON.stringify({ errors: args.map(formatted) }), { status: 400, statusText: 'Bad Request', headers: { 'content-type': 'application/json; charset=utf-8' } }];
      const contextValue = buildContext(options.context, viewers.get(req.raw) ?? null, String(req.context.res.locals.requestId ?? randomUUID()), 'sse') as SseContext;
      return { ...args, contextValue };
    },
    subscribe: (args) => endCleanly(args),
    onNext: (_ctx, _req, result) => (result.errors ? { ...result, errors: result.errors.map(formatted) } : undefined),
  });

  const handle = (req: Request, res: Response, next: NextFunction): void => {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) return next();
    // graphql-sse recognises a stream request only by this exact value.
    req.headers.accept = 'text/event-stream';
    void serve(req, res);
  };

  const serve = async (req: Request, res: Response): Promise<void> => {
    // Every subscription needs a caller, so a stream is never opened for an anonymous request.
    if (!req.headers.authorization) {
      res.status(401).json({ errors: [{ message: 'Authentication required: send Authorization: Bearer <token>', extensions: { code: 'UNAUTHENTICATED' } }] });
      return;
    }
    try {
      viewers.set(req, await resolveViewer(options.context, req.headers.authorization, req.ip ?? 'unknown'));
    } catch (error: unknown) {
      const status = error instanceof GraphQLError ? Number((error.extensions.http as { status?: number } | undefined)?.status ?? 401) : 500;
      const formatted = formatError(error instanceof GraphQLError ? error.toJSON() : { message: 'error' }, error);
      res.status(status).json({ errors: [formatted] });
      return;
    }
    open.add(res);
    // As on the WebSocket, a stream ends when its token expires; the client resumes with a new one.
    const expiresAtMs = viewers.get(req)?.expiresAtMs;
    const expiry = expiresAtMs ? setTimeout(() => res.end(), Math.min(Math.max(0, expiresAtMs - Date.now()), MAX_TIMER_MS)) : undefined;
    expiry?.unref();
    res.once('close', () => {
      open.delete(res);
      clearTimeout(expiry);
    });
    try {
      await handler(req, res);
    } catch (error: unknown) {
      options.log.error('event stream failed', { err: error, requestId: res.locals.requestId });
      if (!res.headersSent) res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    }
  };

  return {
    handle,
    close: () => {
      for (const res of open) res.end();
      open.clear();
    },
  };
}

/** The error as formatError makes it client-visible, still a GraphQLError as graphql-sse expects. */
function formatted(error: GraphQLError): GraphQLError {
  const shown = formatError(error.toJSON(), error);
  return new GraphQLError(shown.message, { extensions: shown.extensions, path: shown.path });
}

/**
 * graphql-js does not catch an error thrown by a subscription's event stream; graphql-sse then
 * just drops the connection. Turn such an error into one last `next` with the error, so the
 * client learns why the stream ended.
 */
async function endCleanly(args: ExecutionArgs): ReturnType<typeof subscribe> {
  const result = await subscribe(args);
  if (!(Symbol.asyncIterator in result)) return result;
  const next = result.next.bind(result);
  let failed = false;
  result.next = async () => {
    if (failed) return { done: true, value: undefined };
    try {
      return await next();
    } catch (error: unknown) {
      failed = true;
      const graphQLError = error instanceof GraphQLError ? error : new GraphQLError('stream failed', { originalError: error as Error });
      return { done: false, value: { errors: [graphQLError] } };
    }
  };
  return result;
}
