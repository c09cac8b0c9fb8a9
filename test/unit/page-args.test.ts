import { BadUserInputError } from '../../src/errors';
import { pageWindow, toConnection, type PageArgs, type PageWindow } from '../../src/services/page-args';

const limits = { defaultSize: 50, maxSize: 200 };

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected the page arguments to be rejected');
}

describe('pageWindow', () => {
  it.each<[string, PageArgs, PageWindow]>([
    ['no arguments page forward by the default size', {}, { direction: 'forward', limit: 50 }],
    ['first pages forward', { first: 10 }, { direction: 'forward', limit: 10 }],
    ['first with after pages forward', { first: 10, after: 'a' }, { direction: 'forward', limit: 10 }],
    ['a lone after pages forward by the default size', { after: 'a' }, { direction: 'forward', limit: 50 }],
    ['last pages backward', { last: 5 }, { direction: 'backward', limit: 5 }],
    ['last with before pages backward', { last: 5, before: 'b' }, { direction: 'backward', limit: 5 }],
    ['a lone before pages backward by the default size', { before: 'b' }, { direction: 'backward', limit: 50 }],
    ['first with before still pages forward', { first: 3, before: 'b' }, { direction: 'forward', limit: 3 }],
    ['after with before pages forward', { after: 'a', before: 'b' }, { direction: 'forward', limit: 50 }],
    ['explicit nulls count as absent', { first: null, last: 7, after: null, before: null }, { direction: 'backward', limit: 7 }],
    ['a size of zero is allowed', { first: 0 }, { direction: 'forward', limit: 0 }],
    ['the maximum size is allowed', { last: 200 }, { direction: 'backward', limit: 200 }],
  ])('%s', (_name, args, expected) => {
    expect(pageWindow(args, limits)).toEqual(expected);
  });

  it('refuses first and last together', () => {
    expect(() => pageWindow({ first: 1, last: 1 }, limits)).toThrow(BadUserInputError);
  });

  it.each<[string, PageArgs, string]>([
    ['first above the maximum', { first: 201 }, 'first'],
    ['a negative first', { first: -1 }, 'first'],
    ['a fractional first', { first: 2.5 }, 'first'],
    ['last above the maximum', { last: 201 }, 'last'],
    ['a negative last', { last: -1 }, 'last'],
  ])('refuses %s, naming the argument', (_name, args, argument) => {
    const error = rejection(() => pageWindow(args, limits));
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error).toMatchObject({ details: { argument } });
  });
});

describe('toConnection', () => {
  const cursorOf = (n: number) => `cursor-${n}`;
  const nodes = (connection: { edges: Array<{ node: number }> }) => connection.edges.map((edge) => edge.node);

  it('an empty page has no edges, no neighbours and null cursors', () => {
    const connection = toConnection<number>([], { direction: 'forward', limit: 10 }, {}, cursorOf);
    expect(connection).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('forward: the extra row means a next page, and is not returned', () => {
    const connection = toConnection([1, 2, 3, 4], { direction: 'forward', limit: 3 }, { first: 3 }, cursorOf);
    expect(nodes(connection)).toEqual([1, 2, 3]);
    expect(connection.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: 'cursor-1',
      endCursor: 'cursor-3',
    });
  });

  it('forward: a page that is exactly full has no next page', () => {
    const connection = toConnection([1, 2, 3], { direction: 'forward', limit: 3 }, { first: 3 }, cursorOf);
    expect(connection.pageInfo.hasNextPage).toBe(false);
  });

  it('forward: a page after a cursor has a previous page', () => {
    const connection = toConnection([5, 6], { direction: 'forward', limit: 3 }, { first: 3, after: 'cursor-4' }, cursorOf);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('backward: rows fetched newest first come out oldest first', () => {
    const connection = toConnection([9, 8, 7, 6], { direction: 'backward', limit: 3 }, { last: 3 }, cursorOf);
    expect(nodes(connection)).toEqual([7, 8, 9]);
    expect(connection.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: 'cursor-7',
      endCursor: 'cursor-9',
    });
  });

  it('backward: reaching the start means no previous page, and a before cursor means a next page', () => {
    const connection = toConnection([2, 1], { direction: 'backward', limit: 3 }, { last: 3, before: 'cursor-3' }, cursorOf);
    expect(nodes(connection)).toEqual([1, 2]);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('leaves the rows it was given untouched', () => {
    const rows = [3, 2, 1];
    toConnection(rows, { direction: 'backward', limit: 2 }, { last: 2 }, cursorOf);
    expect(rows).toEqual([3, 2, 1]);
  });
});
