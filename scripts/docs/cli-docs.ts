/**
 * `npx tsx scripts/docs/cli-docs.ts`: writes docs/cli.md, the reference of every command-line tool, from the tools'
 * own `--help` (and `<command> --help`), run in this process. test/docs/cli-docs.test.ts renders it again and fails
 * when the file differs, so the reference always says what the tools accept.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOOLS, helpOf, type Tool } from './tools';

export const CLI_DOCS_PATH = join(__dirname, '..', '..', 'docs', 'cli.md');

export const REGENERATE = 'npx tsx scripts/docs/cli-docs.ts';

/** A fence longer than any run of backticks in the text, so a help that quotes code cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}${fence}`;
}

async function section(tool: Tool): Promise<string[]> {
  const lines = [`## ${tool.name}`, '', fenced(await helpOf(tool)), ''];
  for (const command of tool.commands) lines.push(`### ${tool.name} ${command}`, '', fenced(await helpOf(tool, command)), '');
  return lines;
}

/** The whole of docs/cli.md. */
export async function renderCliDocs(): Promise<string> {
  const lines = [
    '# Command-line tools',
    '',
    `<!-- Generated from each tool's --help by \`${REGENERATE}\`; edit the tools, not this file. -->`,
    '',
    'In this repository each tool runs as `npm run <tool> -- [arguments]` (add `-s`, `npm run -s <tool> -- ...`, when',
    'you capture or pipe its output, so npm\'s banner stays out of it). In a project that installed the package it runs',
    'as `npx genai-lifecycle-cdk <tool> [arguments]`, with the same arguments.',
    '',
    '| Tool | Commands | Needs |',
    '|---|---|---|',
    ...TOOLS.map((t) => `| [${t.name}](#${t.name}) | ${t.commands.length === 0 ? '-' : t.commands.map((c) => `[${c}](#${t.name}-${c})`).join(', ')} | ${t.offline ? 'nothing: runs offline' : 'an AWS account and credentials'} |`),
    '',
  ];
  for (const tool of TOOLS) lines.push(...await section(tool));
  return `${lines.join('\n').trimEnd()}\n`;
}

async function main(): Promise<number> {
  const text = await renderCliDocs();
  let current: string | undefined;
  try {
    current = readFileSync(CLI_DOCS_PATH, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) {
    console.log(`${CLI_DOCS_PATH}: up to date.`);
  } else {
    writeFileSync(CLI_DOCS_PATH, text);
    console.log(`${CLI_DOCS_PATH}: written.`);
  }
  return 0;
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
