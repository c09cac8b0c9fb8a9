export * from './error-code';
export * from './app-error';
export * from './llm-error';
export * from './embedding-error';
