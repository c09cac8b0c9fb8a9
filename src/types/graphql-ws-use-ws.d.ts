// graphql-ws publishes `graphql-ws/use/ws` through its package exports only, which this project's
// module resolution (node10, for CommonJS) does not read; Node and tsx resolve it at run time.
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
