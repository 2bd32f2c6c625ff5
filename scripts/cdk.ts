/**
 * `npm run synth` and `npm run diff -- [STACKS]`: the CDK CLI with the kit's defaults. synth is `cdk synth --quiet`
 * without the CLI's closing "Supply a stack id (...)" line, which an app of stages always prints (its top level
 * holds no stack); diff is `cdk diff`, and where it fails for want of AWS credentials it says what works without
 * them: `npm run review -- --base DIR` compares two synthesized assemblies offline. Exit codes are the CLI's.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const NOISE = /^Supply a stack id \(.*\) to display its template\.\s*$/;
const NO_CREDENTIALS = /Unable to resolve AWS account|Need to perform AWS calls|Could not load credentials|no credentials/i;

export function filterLines(text: string): string {
  return text.split('\n').filter((line) => !NOISE.test(line)).join('\n');
}

export const DIFF_HINT = [
  'cdk diff compares with the deployed stacks and needs credentials for the environment\'s account.',
  'Without them, compare with a base branch instead (docs/review.md):',
  '  git worktree add --detach ../base main && (cd ../base && npm ci && npm run synth -- --output ../base.out)',
  '  npm run review -- --base ../base.out',
].join('\n');

function main(argv: readonly string[]): void {
  const [command = 'synth', ...rest] = argv;
  const args = command === 'synth' ? ['synth', '--quiet', ...rest] : [command, ...rest];
  const cdk = path.join(__dirname, '..', 'node_modules', 'aws-cdk', 'bin', 'cdk');
  const child = spawn(process.execPath, [cdk, ...args], { stdio: ['inherit', 'inherit', 'pipe'] });
  let pending = '';
  let all = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    all += chunk;
    pending += chunk;
    const cut = pending.lastIndexOf('\n');
    if (cut < 0) return;
    process.stderr.write(filterLines(pending.slice(0, cut + 1)));
    pending = pending.slice(cut + 1);
  });
  child.on('close', (code) => {
    if (pending) process.stderr.write(filterLines(pending));
    if (command === 'diff' && code !== 0 && NO_CREDENTIALS.test(all)) process.stderr.write(`\n${DIFF_HINT}\n`);
    process.exitCode = code ?? 1;
  });
}

if (require.main === module) main(process.argv.slice(2));
