import { runTeardown } from './test-services';

export default async function globalTeardown(): Promise<void> {
  await runTeardown();
}
