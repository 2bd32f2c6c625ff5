/**
 * Input validation for the sizing engine: every check adds to one list of issues, and the caller throws
 * once with all of them, so a user fixes every problem in one pass instead of one per run.
 */

/**
 * Thrown when sizing inputs are invalid; `issues` holds one sentence per problem.
 *
 * TypeScript and JavaScript only. An Error subclass cannot cross to other languages: there the same message arrives as the
 * runtime's error (for example `RuntimeError` in Python).
 *
 * @jsii ignore
 */
export class SizingInputError extends Error {
  public readonly issues: readonly string[];

  public constructor(issues: readonly string[]) {
    const plural = issues.length === 1 ? 'problem' : 'problems';
    super(`Invalid sizing input (${issues.length} ${plural}):\n  - ${issues.join('\n  - ')}`);
    this.name = 'SizingInputError';
    this.issues = issues;
  }
}

/**
 * Names the fields in messages. The engine's own names (`contextTokens`) are the default; a CLI or a
 * construct passes its own (`--context`, `maxInputTokens + maxOutputTokens`) so a message names what the
 * user actually typed.
 *
 * TypeScript and JavaScript only, like IssueCollector.
 *
 * @jsii ignore
 */
export type FieldNames = Readonly<Record<string, string>>;

/**
 * Collects issues; `throwIfAny` raises one SizingInputError with all of them.
 *
 * TypeScript and JavaScript only. A helper for TypeScript validators; other languages get the checks through the estimates.
 *
 * @jsii ignore
 */
export class IssueCollector {
  private readonly list: string[] = [];

  public constructor(private readonly names: FieldNames = {}) {}

  /** The display name of a field. */
  public name(field: string): string {
    return this.names[field] ?? field;
  }

  public add(issue: string): void {
    this.list.push(issue);
  }

  public addAll(issues: readonly string[]): void {
    this.list.push(...issues);
  }

  public get issues(): readonly string[] {
    return [...this.list];
  }

  /** A whole number >= min; `undefined` passes (the caller applies the default). */
  public integer(field: string, value: number | undefined, min: number, hint: string): void {
    if (value === undefined) return;
    if (!Number.isInteger(value) || value < min) {
      this.add(`${this.name(field)} is ${show(value)}: use a whole number of at least ${min} (${hint}).`);
    }
  }

  /** A finite number > 0; `undefined` passes. */
  public positive(field: string, value: number | undefined, hint: string): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      this.add(`${this.name(field)} is ${show(value)}: use a number greater than 0 (${hint}).`);
    }
  }

  /** A fraction in (0, 1]; `undefined` passes. */
  public fraction(field: string, value: number | undefined, hint: string): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
      this.add(`${this.name(field)} is ${show(value)}: use a fraction greater than 0 and at most 1 (${hint}).`);
    }
  }

  /** One of a closed set of values; `undefined` passes. */
  public oneOf(field: string, value: string | undefined, allowed: readonly string[], hint: string): void {
    if (value === undefined) return;
    if (!allowed.includes(value)) {
      this.add(`${this.name(field)} is ${show(value)}: use one of ${allowed.join(', ')} (${hint}).`);
    }
  }

  /**
   * A result computed from valid inputs that is still not a finite number (inputs such as 1e300 tokens
   * overflow): the fields it is computed from, named, so no estimate prints Infinity or $∞.
   */
  public finiteResult(result: string, value: number, fields: readonly string[], hint: string): void {
    if (Number.isFinite(value)) return;
    this.add(`${result} from ${fields.map((f) => this.name(f)).join(', ')} is ${show(value)}, beyond any estimate: ${hint}.`);
  }

  public throwIfAny(): void {
    if (this.list.length > 0) throw new SizingInputError(this.list);
  }
}

/** Shows a value the way the user wrote it: strings quoted, numbers as numbers. */
export function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}
