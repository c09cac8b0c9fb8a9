import { BadUserInputError } from '../errors';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageLimits {
  defaultSize: number;
  maxSize: number;
}

export interface PageWindow {
  direction: 'forward' | 'backward';
  limit: number;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
}

/** Relay arguments → direction and size; `last` or a lone `before` pages backwards. */
export function pageWindow(args: PageArgs, limits: PageLimits): PageWindow {
  const { first, last } = args;
  if (first != null && last != null) throw new BadUserInputError('Pass either first or last, not both');
  const size = first ?? last ?? limits.defaultSize;
  const argument = last != null ? 'last' : 'first';
  if (!Number.isInteger(size) || size < 0 || size > limits.maxSize) {
    throw new BadUserInputError(`${argument} must be between 0 and ${limits.maxSize}`, { argument });
  }
  const backward = last != null || (first == null && args.before != null && args.after == null);
  return { direction: backward ? 'backward' : 'forward', limit: size };
}

/**
 * Builds a connection from `limit + 1` rows fetched in the page's direction: the extra row
 * only tells whether more exist. Nodes come out in forward order either way.
 */
export function toConnection<T>(
  rows: T[],
  window: PageWindow,
  args: PageArgs,
  cursorOf: (node: T) => string,
): Connection<T> {
  const more = rows.length > window.limit;
  const page = rows.slice(0, window.limit);
  const nodes = window.direction === 'forward' ? page : page.reverse();
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  const forward = window.direction === 'forward';
  return {
    edges,
    pageInfo: {
      hasNextPage: forward ? more : args.before != null,
      hasPreviousPage: forward ? args.after != null : more,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
