/** Ends an exhaustive switch: adding a case to the union makes the call site fail to compile. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
