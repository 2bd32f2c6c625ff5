// The rules a prompt template must follow, in one place: config validation reports them under the config's
// field paths (serving.api.promptTemplates[i].id), GenerativeApi under its props' (promptTemplates[i].id).
// Pure: no CDK.

/** One problem of a template field: where in the list, the value, what is wrong, and what to do. */
export interface TemplateProblem {
  /** The field, relative to the list: `[1].id`. */
  readonly field: string;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;
}

/** Lowercase letters, digits and hyphens, at most 64: what requests name in `template.id`. */
export const TEMPLATE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A `{{name}}` placeholder; group 1 is the name. */
export const PLACEHOLDER = /\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g;

/** The `{{name}}` placeholders of a template's user message, in order of first use. */
export function placeholderNames(user: string): string[] {
  return [...new Set([...user.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/**
 * Every problem of a list of templates: ids (pattern, unique), versions, user messages (present, placeholders
 * closed). Entries that are not objects are the caller's to report; they are skipped here.
 */
export function promptTemplateProblems(templates: readonly unknown[]): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const seen = new Set<unknown>();
  templates.forEach((t, i) => {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) return;
    const { id, version, user } = t as Record<string, unknown>;
    if (typeof id !== 'string' || !TEMPLATE_ID_PATTERN.test(id)) {
      problems.push({ field: `[${i}].id`, value: id, problem: 'is not a template id; allowed: lowercase letters, digits and hyphens, at most 64', fix: 'use e.g. "support-answer"' });
    } else if (seen.has(id)) {
      problems.push({ field: `[${i}].id`, value: id, problem: 'is used twice; ids must be unique', fix: 'rename it, or raise the version of the earlier one instead' });
    }
    seen.add(id);
    if (typeof version !== 'string' || version.trim() === '') {
      problems.push({ field: `[${i}].version`, value: version, problem: 'is missing; every answer reports the template version it used', fix: 'use e.g. "1" and raise it on every change' });
    }
    if (typeof user !== 'string' || user.trim() === '') {
      problems.push({ field: `[${i}].user`, value: user, problem: 'is empty', fix: 'write the user message, with {{variables}} where request values go' });
    } else {
      const stray = user.replace(PLACEHOLDER, '').match(/\{\{|\}\}/);
      if (stray) {
        const names = placeholderNames(user);
        problems.push({ field: `[${i}].user`, value: user, problem: `has an unmatched "${stray[0]}"`, fix: `write placeholders as {{name}}: letters, digits and _ (it uses ${names.join(', ') || 'none'})` });
      }
    }
  });
  return problems;
}

/** A construct's sentence for a template problem: `promptTemplates[1].id "answer" is used twice; ...: fix.` */
export function templateProblemSentence(list: string, p: TemplateProblem): string {
  const shown = p.field.endsWith('.id') && typeof p.value === 'string' ? ` ${JSON.stringify(p.value)}` : '';
  return `${list}${p.field}${shown} ${p.problem}: ${p.fix}.`;
}
