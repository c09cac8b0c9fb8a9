import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import helmet from 'helmet';
import type { GraphQLContext } from './context';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { ReadinessProbe } from './readiness';
import type { SseRoute } from './sse-handler';

export interface HttpAppDeps {
  apollo: ApolloServer<GraphQLContext>;
  context: (args: { req: Request }) => Promise<GraphQLContext>;
  readiness: ReadinessProbe;
  log: Logger;
  metrics: Metrics;
  /** Refreshes gauges that are read rather than counted, right before /metrics renders. */
  onScrape: () => Promise<void>;
  /** Proxy hops to trust for the client IP (X-Forwarded-For); 0 trusts none. */
  trustProxy: number;
  /** Serves `Accept: text/event-stream` requests on /graphql (graphql-sse). */
  sse: SseRoute;
  /** Origins a browser app may call /graphql from (CORS); empty: same origin only. */
  corsOrigins: string[];
  /** Production: a strict Content-Security-Policy (no landing page to allow for). */
  strictCsp: boolean;
  /** False when /metrics has a listener of its own (METRICS_PORT): then the API port does not serve it. */
  serveMetrics: boolean;
}

export type MetricsDeps = Pick<HttpAppDeps, 'metrics' | 'onScrape'>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a caller's x-request-id when it is sane, else makes one; echoes it back. */
function requestId(req: Request, res: Response, next: NextFunction): void {
  const given = req.header('x-request-id');
  const id = given && REQUEST_ID.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  next();
}

/** Answers hold the caller's own conversations: no shared cache or browser keeps them. */
function privateAnswers(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('cache-control', 'no-store');
  next();
}

export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);
  // Security headers; the development landing page (Apollo Sandbox) loads its own scripts, so the
  // Content-Security-Policy is strict only where it is off.
  app.use(helmet({
    contentSecurityPolicy: deps.strictCsp ? { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } : false,
    crossOriginEmbedderPolicy: false,
  }));
  app.use(requestId);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (deps.serveMetrics) app.get('/metrics', metricsRoute(deps));
  app.get('/readyz', async (_req, res) => {
    const report = await deps.readiness.check();
    res.status(report.ready ? 200 : 503).json(report);
  });
  // Listed origins get CORS headers and preflights; others get none, so browsers refuse them (the
  // CSRF rules still hold: a cross-origin POST with a JSON body needs a preflight).
  app.use('/graphql', cors({
    origin: (origin, allow) => allow(null, origin !== undefined && deps.corsOrigins.includes(origin)),
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'accept', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  }));
  app.use('/graphql', privateAnswers, express.json({ limit: '1mb' }), deps.sse.handle, expressMiddleware(deps.apollo, { context: deps.context }));
  app.use(httpErrors(deps.log));
  return app;
}

const metricsRoute = (deps: MetricsDeps) => async (_req: Request, res: Response): Promise<void> => {
  await deps.onScrape();
  res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
};

/**
 * The metrics listener (METRICS_PORT): /metrics and nothing else, so the API port can be public
 * while the scrape stays on an internal network.
 */
export function createMetricsApp(deps: MetricsDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', metricsRoute(deps));
  app.use((_req, res) => void res.status(404).type('text/plain').send('Not found: this port serves /metrics only\n'));
  return app;
}

/** Unreadable bodies get a GraphQL-shaped 4xx instead of Express's HTML page with a stack. */
const httpErrors = (log: Logger) => (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
  if (res.headersSent) return next(error);
  const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
  const client = status >= 400 && status < 500;
  if (!client) log.error('unexpected http error', { err: error, requestId: res.locals.requestId });
  res.status(client ? status : 500).json({
    errors: [{
      message: client ? (status === 413 ? 'Request body too large' : 'Malformed request body') : 'Internal server error',
      extensions: { code: client ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' },
    }],
  });
};
