/** docs/cli.md is what the tools' own --help prints now, and the generator knows every tool's commands. */
import { readFileSync } from 'node:fs';
import { CLI_DOCS_PATH, REGENERATE, renderCliDocs } from '../../scripts/docs/cli-docs';
import { TOOLS, helpOf } from '../../scripts/docs/tools';
import { TOOLS as BIN_TOOLS } from '../../scripts/cli';

/** The command list of a usage text: the indented `name  summary` lines right after the Usage line. */
function listedCommands(help: string): string[] {
  const lines = help.split('\n').slice(1);
  const start = lines.findIndex((l) => l.trim() !== '');
  const list: string[] = [];
  for (const line of lines.slice(start)) {
    const m = /^ {2}([a-z][a-z-]*) {2,}\S/.exec(line);
    if (!m) break;
    list.push(m[1]);
  }
  return list;
}

describe('docs/cli.md', () => {
  test('is what the generator writes from the tools\' --help', async () => {
    const expected = await renderCliDocs();
    const current = readFileSync(CLI_DOCS_PATH, 'utf8');
    if (current !== expected) throw new Error(`docs/cli.md differs from the tools' --help: run \`${REGENERATE}\` and commit docs/cli.md.`);
  });

  test.each(TOOLS.map((t) => [t.name, t] as const))('%s: the generator lists the commands its usage names', async (_name, tool) => {
    const help = await helpOf(tool);
    const usesCommands = /^Usage: .*<command>/.test(help);
    expect([usesCommands, usesCommands ? listedCommands(help) : []]).toEqual([tool.commands.length > 0, tool.commands]);
  });
});

test('the package\'s bin and the documentation know the same tools, with the same output framing', () => {
  expect(Object.entries(BIN_TOOLS).map(([name, t]) => [name, t.newline]).sort()).toEqual(TOOLS.map((t) => [t.name, t.lines]).sort());
});
