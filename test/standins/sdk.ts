// Helpers shared by the stand-in tests: the fixed client settings the brief prescribes, a way to catch a rejection
// for several assertions, and a scoped environment variable for the AWS_ENDPOINT_URL_* checks.
import { performance } from 'node:perf_hooks';

export const CREDENTIALS = { accessKeyId: 'AKID', secretAccessKey: 'secret' } as const;

/** The client settings every test uses, pointed at a stand-in. */
export function clientConfig(endpoint: string, maxAttempts = 1) {
  return { region: 'us-east-1', endpoint, credentials: CREDENTIALS, maxAttempts };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function caught(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Runs fn with environment variables set, restoring the previous values afterwards. */
export async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Milliseconds since start. */
export function since(start: number): number {
  return performance.now() - start;
}
