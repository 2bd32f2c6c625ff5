// Prompt templates: `{{name}}` placeholders filled from the request's variables. Rendering is strict, so a
// typo in a variable name is a 400 naming it, never a prompt with a hole in it.
import { PLACEHOLDER, placeholderNames } from '../../config/template-rules';
import type { ChatMessage, PromptTemplate } from './contract';

/** The variable names a template's user message uses, in order of first use. */
export function templateVariables(template: PromptTemplate): string[] {
  return placeholderNames(template.user);
}

export interface RenderedPrompt {
  readonly system?: string;
  readonly messages: ChatMessage[];
}

export class TemplateError extends Error {
  constructor(message: string, readonly field: string) {
    super(message);
  }
}

/** Fills a template: examples become earlier turns, then the user message. */
export function renderTemplate(template: PromptTemplate, variables: Readonly<Record<string, string>> = {}): RenderedPrompt {
  const expected = templateVariables(template);
  const missing = expected.filter((v) => !Object.hasOwn(variables, v));
  const unknown = Object.keys(variables).filter((v) => !expected.includes(v));
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.map((v) => `"${v}"`).join(', ')}` : '',
      unknown.length > 0 ? `unknown ${unknown.map((v) => `"${v}"`).join(', ')}` : '',
    ].filter(Boolean);
    throw new TemplateError(`template "${template.id}" takes the variables ${expected.map((v) => `"${v}"`).join(', ') || '(none)'}: ${parts.join('; ')}`, 'template.variables');
  }
  const user = template.user.replace(PLACEHOLDER, (_m, name: string) => variables[name]);
  const messages: ChatMessage[] = [];
  for (const example of template.examples ?? []) {
    messages.push({ role: 'user', content: example.user }, { role: 'assistant', content: example.assistant });
  }
  messages.push({ role: 'user', content: user });
  return { system: template.system, messages };
}
