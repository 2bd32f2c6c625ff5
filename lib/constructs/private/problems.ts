// Construct validation that reports every problem at once, naming the construct that has them.
import { userStack } from '../../config/validate';
import type { Construct } from 'constructs';

/**
 * Thrown when a construct's props are invalid; `problems` lists each one with what to do.
 *
 * TypeScript and JavaScript only. An Error subclass cannot cross to other languages: there the same message arrives as the
 * runtime's error (for example `RuntimeError` in Python).
 *
 * @jsii ignore
 */
export class PropsError extends Error {
  /** Every problem, worded with the prop, the value and what to do. */
  declare readonly problems: readonly string[];

  constructor(
    public readonly constructPath: string,
    problems: readonly string[],
  ) {
    super(`${constructPath}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PropsError';
    // As ConfigError: the message is the whole list, and the stack points at the caller's code.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    this.stack = userStack(this);
  }
}

/** Throws one PropsError with every problem, or returns when there are none. */
export function throwIfProblems(scope: Construct, kind: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new PropsError(`${kind} ${scope.node.path}`, problems);
}
