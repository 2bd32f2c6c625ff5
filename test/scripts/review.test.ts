/** The review CLI: main() on the fixture assemblies, every usage problem at once, and a failed synthesis. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../lib/config';
import { REVIEW_MARKER } from '../../scripts/lib/review';
import { EXIT_OK, EXIT_SYNTH_FAILED, EXIT_USAGE, main, type Io, type Synthesis } from '../../scripts/review';
import { apiStack, assemblyOf, BASE_DIR, FIXTURES, HEAD_DIR, round4, writeAssembly } from '../review/fixtures';

interface Run { code: number; stdout: string; stderr: string }

function run(argv: string[], options: { files?: Record<string, string>; synthesize?: () => Synthesis } = {}): Run {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => { stdout += `${t}\n`; },
    stderr: (t) => { stderr += `${t}\n`; },
    readFile: (p) => {
      if (!options.files || !(p in options.files)) throw new Error(`ENOENT: no such file, open '${p}'`);
      return options.files[p];
    },
    synthesize: options.synthesize ?? (() => { throw new Error('the tests of this file never synthesize'); }),
  };
  return { code: main(argv, io), stdout, stderr };
}

const HOURS = 730;

describe('review --assembly', () => {
  test('prints the Markdown report: summary table, then a section per environment', () => {
    const { code, stdout, stderr } = run(['--assembly', HEAD_DIR, '--base', BASE_DIR]);
    expect([code, stderr]).toEqual([EXIT_OK, '']);
    expect(stdout.startsWith(`${REVIEW_MARKER}\n## genai-lifecycle-cdk review\n`)).toBe(true);
    expect(stdout).toContain('| **Prod** | 3 | 22 (+2 −2 ~4) | $2,890.07 – $6,886.09 ⚠ partly unpriced | — | 7 ⚠ | 1 ❌ | 3 | 🚨 2 |');
    expect(stdout.match(/<details>/g)).toHaveLength(2);
  });

  test('--json prints one document; its numbers are the price arithmetic', () => {
    const { code, stdout } = run(['--assembly', HEAD_DIR, '--base', BASE_DIR, '--json']);
    expect(code).toBe(EXIT_OK);
    const doc = JSON.parse(stdout);
    expect(doc.comparedToBase).toBe(true);
    const prod = doc.environments.find((e: { name: string }) => e.name === 'Prod');
    expect(prod.resources.total).toBe(22);
    expect(prod.stacks.map((s: { stackName: string; resources: number }) => [s.stackName, s.resources])).toEqual([['Prod-Data', 4], ['Prod-Serving', 14], ['Prod-Adaptation', 4]]);
    expect(prod.capacity.monthlyUsd).toEqual({ min: round4(1.222 * HOURS * 2 + 1.515 * HOURS * 1), max: round4(1.222 * HOURS * 4 + 1.515 * HOURS * 3) });
    expect(prod.capacity.endpoints[0].monthlyUsd).toEqual({ min: round4(1.222 * HOURS * 2), max: round4(1.222 * HOURS * 4) });
    expect(prod.capacity.training[0].methods.map((m: { method: string; trainingUsdAtMost: number; runUsdAtMost: number }) => [m.method, m.trainingUsdAtMost, m.runUsdAtMost])).toEqual([
      ['lora', round4(1.127 * 1 * 12), round4(1.127 * 12 + 0.7364 * 4)],
      ['qlora', round4(0.7364 * 2 * 12), round4(0.7364 * 2 * 12 + 0.7364 * 4)],
    ]);
    expect(prod.capacity.unpricedInstanceTypes).toEqual(['ml.c7i.large']);
    expect([prod.iam.wildcardStatements, prod.iam.wildcardActionStatements, prod.iam.wildcardResourceStatements]).toEqual([7, 2, 6]);
    expect(prod.validation.plugins.map((p: { plugin: string; open: number; acknowledged: number }) => [p.plugin, p.open, p.acknowledged])).toEqual([
      ['AwsSolutions', 0, 2], ['cdk-validator-cfnguard', 0, 1], ['CloudFormation Validate', 0, 0], ['genai-lifecycle-cdk-rules', 1, 0],
    ]);
    expect(prod.diff.replacements.map((r: { type: string; logicalId: string }) => [r.type, r.logicalId])).toEqual([['AWS::Logs::LogGroup', 'SeedLogs6890ED87'], ['AWS::S3::Bucket', 'Datasets9A172240']]);
    expect(prod.diff.cost.monthlyUsd.base).toEqual({ min: round4(1.127 * HOURS * 2 + 1.515 * HOURS), max: round4(1.127 * HOURS * 4 + 1.515 * HOURS * 3) });
  });

  test('--prices replaces the third-party prices and prices types the catalog lacks', () => {
    const files = { 'prices.json': JSON.stringify({ source: 'AWS Price List API, us-west-2, 2026-11-01', usdPerHour: { 'ml.g6.2xlarge': 1.5, 'ml.c7i.large': 0.1 } }) };
    const { code, stdout } = run(['--assembly', HEAD_DIR, '--prices', 'prices.json', '--json'], { files });
    expect(code).toBe(EXIT_OK);
    const prod = JSON.parse(stdout).environments[1];
    expect(prod.capacity.monthlyUsd).toEqual({ min: round4(1.5 * HOURS * 2 + 1.515 * HOURS + 0.1 * HOURS), max: round4(1.5 * HOURS * 4 + 1.515 * HOURS * 3 + 0.1 * HOURS * 2) });
    expect(prod.capacity.priceSources).toEqual(['AWS Price List API, us-west-2, 2026-11-01', expect.stringContaining('third-party')]);
    expect(prod.capacity.unpricedInstanceTypes).toEqual([]);
  });

  test('a flat price file is accepted too, its name as the source', () => {
    const { code, stdout } = run(['--assembly', HEAD_DIR, '--prices', 'p.json'], { files: { 'p.json': '{"ml.c7i.large": 0.1}' } });
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('Source: third-party on-demand hosting prices: fmbench pricing.yml (2025-01-26, region not stated) and a us-east-1 table (2026-08); p.json.');
    const all = run(['--assembly', HEAD_DIR, '--prices', 'p.json'], { files: { 'p.json': '{"ml.c7i.large": 0.1, "ml.g6.2xlarge": 1.3, "ml.g5.2xlarge": 1.6, "ml.g6.xlarge": 1.2, "ml.g4dn.xlarge": 0.8}' } });
    expect(all.stdout).toContain('Prices: p.json (from `--prices`).');
    expect(all.stdout).not.toContain('third-party');
  });

  test('--help prints the options and exits 0', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(/^Usage: npm run review -- \[options\]/);
    for (const option of ['--assembly <value>', '--base <value>', '--prices <value>', '--token-prices <value>', '--traffic <value>', '--json', '--help']) expect(stdout).toContain(option);
  });
});

describe('bad usage', () => {
  test('fails when options are unknown, valueless or positional, listing every problem at once', () => {
    const { code, stdout, stderr } = run(['--jsn', 'cdk.out', '--json=yes', '--assembly']);
    expect(code).toBe(EXIT_USAGE);
    expect(stdout).toBe('');
    expect(stderr).toBe([
      'review: 4 problems',
      '  - --jsn is not an option: use --assembly, --base, --prices, --token-prices, --traffic, --json, --help.',
      '  - --json takes no value: write just --json.',
      '  - --assembly needs a value: DIR: a cloud assembly to review, e.g. cdk.out (default: synthesize every environment).',
      '  - "cdk.out" is not an option: options start with --, e.g. --assembly cdk.out.',
      'Run `npm run review -- --help` for usage.',
      '',
    ].join('\n'));
  });

  test('fails when --assembly or --base is not a cloud assembly', () => {
    const missing = join(FIXTURES, 'no-such-folder');
    const { code, stderr } = run(['--assembly', missing, '--base', FIXTURES]);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain(`--assembly is "${missing}": not a folder; pass the folder \`npx cdk synth\` writes (cdk.out), or leave --assembly out to synthesize.`);
    expect(stderr).toContain(`--base is "${FIXTURES}": not a cloud assembly (no manifest.json); pass the folder \`npx cdk synth\` writes (cdk.out).`);
  });

  test('fails when --prices is not JSON, not an object, or holds a price that is not positive', () => {
    const files = { 'broken.json': '{ nope', 'list.json': '[1, 2]', 'zero.json': '{"ml.g6.xlarge": 0}' };
    expect(run(['--assembly', HEAD_DIR, '--prices', 'broken.json'], { files }).stderr).toMatch(/--prices is "broken\.json": cannot read it as JSON \(/);
    expect(run(['--assembly', HEAD_DIR, '--prices', 'list.json'], { files }).stderr).toContain('--prices is "list.json": use a JSON object such as {"ml.g5.2xlarge": 1.52} or {"source": "...", "usdPerHour": {...}}.');
    const zero = run(['--assembly', HEAD_DIR, '--prices', 'zero.json'], { files });
    expect(zero.code).toBe(EXIT_USAGE);
    expect(zero.stderr).toContain('--prices is "zero.json": price of ml.g6.xlarge is 0: use USD per hour greater than 0.');
  });
});

describe('synthesis', () => {
  test('without --assembly it reviews what synthesis wrote', () => {
    const { code, stdout } = run([], { synthesize: () => ({ directory: HEAD_DIR }) });
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('| **Prod** | 3 | 22 |');
  });

  test('fails with exit 1 when policy checks fail synthesis, after printing the report with the open findings', () => {
    const error = Object.assign(new Error('Validation failed. See the validation report above for details'), { name: 'ValidationFailed' });
    const { code, stdout, stderr } = run([], { synthesize: () => ({ directory: HEAD_DIR, error }) });
    expect(code).toBe(EXIT_SYNTH_FAILED);
    expect(stdout).toContain('`endpoint-instance-type`');
    expect(stderr).toBe('review: synthesis failed (Validation failed. See the validation report above for details); the report lists the open findings.\n');
  });

  test('fails with exit 1 and the problems when the environment definitions are invalid', () => {
    const problem = { path: 'prod.region', value: 'us-east-9', message: 'is not an AWS region', fix: 'use a region code' };
    const { code, stdout, stderr } = run([], { synthesize: () => { throw new ConfigError([problem]); } });
    expect([code, stdout]).toEqual([EXIT_SYNTH_FAILED, '']);
    expect(stderr).toContain('review: synthesis failed, nothing to review:\n1 problem in the environment definitions (bin/environments.ts):\n  - prod.region: "us-east-9" is not an AWS region. Fix: use a region code');
  });
});

describe('--traffic', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'review-traffic-'));
    writeAssembly(dir, assemblyOf({ Dev: [apiStack('Dev-Serving')], Prod: [apiStack('Prod-Serving', { backend: 'sagemaker', rate: 20 })] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The fixture's handler: 6,144 + 1,024 tokens at $0.22 per 1M, 20.48 s × 1 GB arm64, a REST request.
  const LAMBDA = 0.2 + (1024 / 50) * 0.0000133334 * 1e6;
  const DEV_PER_MILLION = 7168 * 0.22 + LAMBDA + 3.5;
  const PROD_PER_MILLION = LAMBDA + 3.5;

  test('by default, a month is the peak rate for 8 h on 22 working days', () => {
    const { code, stdout } = run(['--assembly', dir, '--json']);
    expect(code).toBe(EXIT_OK);
    const [dev, prod] = JSON.parse(stdout).environments;
    expect([dev.usage.traffic.requestsPerMonth, dev.usage.monthlyUsd]).toEqual([633_600, round4((DEV_PER_MILLION / 1e6) * 633_600)]);
    expect([prod.usage.traffic.requestsPerMonth, prod.usage.usdPerHourAtPeak]).toEqual([20 * 3600 * 176, round4((PROD_PER_MILLION / 1e6) * 20 * 3600)]);
    expect(dev.usage.api).toMatchObject({ backend: 'bedrock', modelId: 'us.meta.llama3-1-8b-instruct-v1:0', peakRequestsPerSecond: 1 });
  });

  test('replaces the assumption per environment: repeated or comma-separated, names in any case', () => {
    const { code, stdout } = run(['--assembly', dir, '--traffic', 'dev=100_000,PROD=5e6', '--json']);
    expect(code).toBe(EXIT_OK);
    const [dev, prod] = JSON.parse(stdout).environments;
    expect([dev.usage.traffic, prod.usage.traffic.requestsPerMonth]).toEqual([{ requestsPerMonth: 100_000, from: 'option', words: '100,000 requests a month (--traffic)' }, 5_000_000]);
    expect(prod.usage.monthlyUsd).toBe(round4((PROD_PER_MILLION / 1e6) * 5_000_000));
    const repeated = run(['--assembly', dir, '--traffic', 'dev=100000', '--traffic', 'prod=5000000']);
    expect(repeated.stdout).toContain('Requests a month: Dev 100,000 requests (--traffic), Prod 5,000,000 requests (--traffic).');
  });

  test('fails on an unknown environment, a number that is not positive, a malformed or repeated entry, listing every problem at once', () => {
    const { code, stdout, stderr } = run(['--assembly', dir, '--jsn', '--traffic', 'qa=5,dev=-1', '--traffic', 'prod', '--traffic', 'prod=1,Prod=2', '--traffic', 'dev=many']);
    expect([code, stdout]).toEqual([EXIT_USAGE, '']);
    expect(stderr).toBe([
      'review: 6 problems',
      '  - --jsn is not an option: use --assembly, --base, --prices, --token-prices, --traffic, --json, --help.',
      '  - --traffic names "qa": not an environment here; use one of Dev, Prod.',
      '  - --traffic is "dev=-1": "-1" is not a positive number of requests a month.',
      '  - --traffic is "prod": use ENV=REQUESTS (requests a month), e.g. --traffic dev=100000.',
      '  - --traffic gives Prod twice: keep one.',
      '  - --traffic is "dev=many": "many" is not a positive number of requests a month.',
      'Run `npm run review -- --help` for usage.',
      '',
    ].join('\n'));
  });

  test('--token-prices replaces the sourced Bedrock price of a model, saying whose it is', () => {
    const files = { 'tokens.json': JSON.stringify({ source: 'our private pricing', usdPerMillionTokens: { 'meta.llama3-1-8b-instruct-v1:0': { input: 0.1, output: 0.4 } } }) };
    const { code, stdout } = run(['--assembly', dir, '--token-prices', 'tokens.json', '--json'], { files });
    expect(code).toBe(EXIT_OK);
    const [dev] = JSON.parse(stdout).environments;
    expect(dev.usage.usdPerMillionRequests).toBe(round4(6144 * 0.1 + 1024 * 0.4 + LAMBDA + 3.5));
    expect(dev.usage.sources.join('\n')).toContain('Bedrock tokens: our private pricing (read given with --token-prices)');
  });

  test('--token-prices that are not prices are reported, each model at once', () => {
    const files = { 'bad.json': JSON.stringify({ usdPerMillionTokens: { a: { input: -1, output: 1 }, b: 3 } }), 'list.json': '[]' };
    const bad = run(['--assembly', dir, '--token-prices', 'bad.json'], { files });
    expect(bad.code).toBe(EXIT_USAGE);
    expect(bad.stderr).toContain('--token-prices is "bad.json": a is {"input":-1,"output":1}; give {"input": USD, "output": USD} per million tokens, 0 or more.');
    expect(bad.stderr).toContain('--token-prices is "bad.json": b is 3;');
    expect(run(['--assembly', dir, '--token-prices', 'list.json'], { files }).stderr).toContain('not {"source": "...", "usdPerMillionTokens"');
    expect(run(['--assembly', dir, '--token-prices', 'missing.json'], { files }).stderr).toContain('--token-prices is "missing.json": cannot read it as JSON (ENOENT');
  });

  test('without --assembly the names are those of bin/environments.ts, checked before synthesizing', () => {
    const synthesize = () => { throw new Error('synthesized despite a usage problem'); };
    const { code, stderr } = run(['--traffic', 'qa=5'], { synthesize });
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain('--traffic names "qa": not an environment here; use one of Dev, Staging, Prod.');
    expect(run(['--traffic', 'staging=5'], { synthesize: () => ({ directory: HEAD_DIR }) }).code).toBe(EXIT_OK);
  });
});
