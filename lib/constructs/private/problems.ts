// Construct validation that reports every problem at once, naming the construct that has them.
import type { Construct } from 'constructs';

/** Thrown when a construct's props are invalid; `problems` lists each one with what to do. */
export class PropsError extends Error {
  constructor(
    public readonly constructPath: string,
    public readonly problems: readonly string[],
  ) {
    super(`${constructPath}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PropsError';
  }
}

/** Throws one PropsError with every problem, or returns when there are none. */
export function throwIfProblems(scope: Construct, kind: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new PropsError(`${kind} ${scope.node.path}`, problems);
}
