/**
 * The CI workflow users get in .github/workflows/ci.yml, parsed as GitHub parses it: triggers, permissions,
 * the steps in order, the conditional AWS diff, and the comment script run against a stand-in GitHub API.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REVIEW_MARKER } from '../scripts/lib/review';

interface Step { name: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string>; 'continue-on-error'?: boolean }
interface Job { 'runs-on': string; permissions: Record<string, string>; env: Record<string, string>; steps: Step[] }
interface Workflow { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> }

const workflow = parse(readFileSync(join(__dirname, '..', '.github', 'workflows', 'ci.yml'), 'utf8')) as Workflow;
const job = workflow.jobs.build;
const step = (name: string): Step => {
  const found = job.steps.find((s) => s.name === name);
  if (!found) throw new Error(`no step ${name}`);
  return found;
};

describe('.github/workflows/ci.yml', () => {
  test('runs on pull requests and on pushes to main', () => {
    expect(workflow.on).toEqual({ pull_request: null, push: { branches: ['main'] } });
  });

  test('reads the repository by default; the job may comment and request an OIDC token', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(workflow.jobs)).toEqual(['build']);
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', 'id-token': 'write' });
  });

  test('the steps, in order', () => {
    expect(job.steps.map((s) => s.name)).toEqual([
      'Check out', 'Set up Node.js (the version in .nvmrc, which the tests run on)', 'Install', 'Test', 'Synthesize', 'Synthesize the base branch', 'Review',
      'Upload the review and the cloud assembly', 'Comment on the pull request', 'Configure AWS credentials', 'Diff against the deployed stacks',
    ]);
    expect(step('Set up Node.js (the version in .nvmrc, which the tests run on)').with).toEqual({ 'node-version-file': '.nvmrc', cache: 'npm' });
    // One Node.js story: CI runs the version the tests run on here, within package.json's engines.
    const major = Number(readFileSync(join(__dirname, '..', '.nvmrc'), 'utf8').trim());
    expect(major).toBe(Number(process.versions.node.split('.')[0]));
    const engines = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${major}.19`);
    expect(step('Install').run).toBe('npm ci --no-audit --no-fund');
    expect(step('Test').run).toBe('npm test');
    expect(step('Synthesize').run).toBe('npx cdk synth --quiet');
    expect(step('Review').run).toContain('npm run -s review -- --assembly cdk.out "${base[@]}" > review.md');
    expect(step('Upload the review and the cloud assembly')).toMatchObject({ if: 'always()', with: { name: 'review', path: 'review.md\ncdk.out\n' } });
  });

  test('every action is pinned by a major version tag', () => {
    const uses = job.steps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses).toEqual([
      'actions/checkout@v6', 'actions/setup-node@v6', 'actions/upload-artifact@v6', 'actions/github-script@v8', 'aws-actions/configure-aws-credentials@v6',
    ]);
    for (const u of uses) expect(u).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
  });

  test('the base branch is synthesized on pull requests only, and may fail without failing the build', () => {
    expect(step('Synthesize the base branch')).toMatchObject({ if: "github.event_name == 'pull_request'", 'continue-on-error': true, env: { BASE_SHA: '${{ github.event.pull_request.base.sha }}' } });
    expect(step('Synthesize the base branch').run).toContain('npx cdk synth --quiet --output "$GITHUB_WORKSPACE/base.out"');
    expect(step('Review').run).toContain('if [ -f base.out/manifest.json ]; then base=(--base base.out); fi');
  });

  test('comments on pull requests from this repository, finding its previous comment by the review marker', () => {
    const comment = step('Comment on the pull request');
    expect(comment.if).toBe("github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.env.REVIEW_MARKER).toBe(REVIEW_MARKER);
  });

  test('diffs against the deployed stacks only when a role is configured, after assuming it through OIDC', () => {
    expect(job.env.AWS_ROLE_ARN).toBe('${{ vars.AWS_ROLE_ARN || secrets.AWS_ROLE_ARN }}');
    expect(step('Configure AWS credentials')).toMatchObject({ if: "env.AWS_ROLE_ARN != ''", with: { 'role-to-assume': '${{ env.AWS_ROLE_ARN }}' } });
    expect(step('Diff against the deployed stacks')).toMatchObject({ if: "env.AWS_ROLE_ARN != ''", run: "npx cdk diff '**' --app cdk.out" });
    expect(step('Configure AWS credentials').with).not.toHaveProperty('aws-access-key-id');
  });

  test('every run script is valid bash', () => {
    for (const s of job.steps.filter((x) => x.run !== undefined)) {
      const result = spawnSync('bash', ['-n', '-c', s.run!], { encoding: 'utf8' });
      expect([s.name, result.status, result.stderr]).toEqual([s.name, 0, '']);
    }
  });
});

describe('the comment script', () => {
  type Comment = { id: number; user: { type: string }; body: string };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<void>;
  const script = new AsyncFunction('require', 'github', 'context', 'process', step('Comment on the pull request').with!.script as string);

  async function runScript(existing: Comment[], report = `${REVIEW_MARKER}\n## genai-lifecycle-cdk review\n`) {
    const calls: { method: string; args: Record<string, unknown> }[] = [];
    const record = (method: string) => async (args: Record<string, unknown>) => { calls.push({ method, args }); return {}; };
    const github = {
      paginate: async (_fn: unknown, args: Record<string, unknown>) => { calls.push({ method: 'listComments', args }); return existing; },
      rest: { issues: { listComments: () => undefined, updateComment: record('updateComment'), createComment: record('createComment') } },
    };
    const context = { serverUrl: 'https://github.com', runId: 7, repo: { owner: 'o', repo: 'r' }, issue: { number: 12 } };
    const fs = { readFileSync: (path: string) => { expect(path).toBe('review.md'); return report; } };
    await script((name: string) => { expect(name).toBe('fs'); return fs; }, github, context, { env: { REVIEW_MARKER } });
    return calls;
  }

  test('creates a comment when the pull request has none from the bot', async () => {
    const calls = await runScript([{ id: 1, user: { type: 'User' }, body: `quoting ${REVIEW_MARKER}` }]);
    expect(calls.map((c) => c.method)).toEqual(['listComments', 'createComment']);
    expect(calls[1].args).toEqual({
      owner: 'o', repo: 'r', issue_number: 12,
      body: `${REVIEW_MARKER}\n## genai-lifecycle-cdk review\n\n\n[review.md and cdk.out of this run](https://github.com/o/r/actions/runs/7)\n`,
    });
  });

  test('updates the bot\'s previous review comment instead of adding one', async () => {
    const calls = await runScript([{ id: 5, user: { type: 'Bot' }, body: 'unrelated' }, { id: 9, user: { type: 'Bot' }, body: `${REVIEW_MARKER}\nold` }]);
    expect(calls.map((c) => c.method)).toEqual(['listComments', 'updateComment']);
    expect(calls[1].args).toMatchObject({ owner: 'o', repo: 'r', comment_id: 9 });
  });

  test('adds the marker when the report lacks it, so the next run finds the comment', async () => {
    const calls = await runScript([], 'a report without the marker\n');
    expect(String(calls[1].args.body).startsWith(`${REVIEW_MARKER}\na report without the marker`)).toBe(true);
  });
});

describe('.github/workflows/release.yml', () => {
  const release = parse(readFileSync(join(__dirname, '..', '.github', 'workflows', 'release.yml'), 'utf8')) as Workflow & { jobs: Record<string, Job & { needs?: string; if?: string }> };

  test('a version tag is tested, then published with provenance only when a maintainer has turned publishing on', () => {
    expect(release.on).toEqual({ push: { tags: ['v*.*.*'] } });
    expect(release.permissions).toEqual({ contents: 'read' });
    const { test: tested, publish } = release.jobs;
    expect(tested.steps.map((s) => s.run).filter(Boolean)).toEqual(expect.arrayContaining(['npm ci --no-audit --no-fund', 'npm test']));
    expect(tested.steps.find((s) => s.name === 'The tag names the package\'s version')!.run).toContain('"v${version}"');
    expect(publish).toMatchObject({ needs: 'test', if: "vars.NPM_PUBLISH == 'true'", permissions: { contents: 'read', 'id-token': 'write' } });
    expect(publish.steps.at(-1)).toMatchObject({ run: 'npm publish --provenance --access public --ignore-scripts', env: { NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}' } });
  });
});
