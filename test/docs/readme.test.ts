/** The README stays a short entry point: its length, the prerequisites package.json states, and the complete example verbatim. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, readMarkdown } from '../support/markdown';

const readme = readMarkdown('README.md');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

describe('README.md', () => {
  test('is at most 300 lines; the rest is in docs/', () => {
    expect(readme.text.split('\n').length).toBeLessThanOrEqual(300);
  });

  test('states the Node.js version package.json requires', () => {
    const version = packageJson.engines.node.replace(/^>=\s*/, '');
    expect(readme.text).toMatch(new RegExp(`## Prerequisites[\\s\\S]*Node\\.js ${version.replace(/\./g, '\\.')} or later`));
  });

  test('"Compose it in your stack" shows examples/compose/app.ts exactly', () => {
    const app = readFileSync(join(ROOT, 'examples', 'compose', 'app.ts'), 'utf8');
    const section = readme.text.indexOf('## Compose it in your stack');
    expect(section).toBeGreaterThan(0);
    const block = readme.blocks.find((b) => b.lang === 'ts' && readme.text.split('\n').slice(0, b.line).join('\n').length > section);
    expect(block?.code).toBe(app);
  });
});
