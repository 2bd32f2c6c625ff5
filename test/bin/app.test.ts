import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { buildApp, resolveLocalPaths, stageIdOf } from '../../bin/app';
import { dev, environments, prod } from '../../bin/environments';
import { ConfigError, DatasetPrefix } from '../../lib/config';

const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

describe('bin/app', () => {
  test('stage ids are the environment names in PascalCase', () => {
    expect(environments.map((e) => stageIdOf(e.name))).toEqual(['Dev', 'Staging', 'Prod']);
    expect(stageIdOf('prod-eu')).toBe('ProdEu');
  });

  test('seed folders resolve against the project root', () => {
    const { envs, problems } = resolveLocalPaths([dev], root);
    expect(problems).toEqual([]);
    expect(envs[0].datasets?.seed?.source).toBe(path.join(root, 'datasets', 'starter'));
  });

  test('fails when a seed folder does not exist, naming the path', () => {
    const missing = { ...dev, datasets: { seed: { prefix: DatasetPrefix.TRAIN, source: 'no/such/folder' } } };
    expect(() => buildApp([missing])).toThrow(/dev\.datasets\.seed\.source: "no\/such\/folder" is not a folder/);
  });

  test('fails with every config problem at once, before any construct is built', () => {
    let error: unknown;
    try {
      buildApp([{ ...prod, region: 'mars-1', logRetentionDays: 10 }, { ...dev, name: 'prod' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const paths = (error as ConfigError).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['prod.region', 'prod.logRetentionDays', 'prod.name']));
  });

  test('a bad config exits 1 with the list of problems and no stack trace', () => {
    const result = spawnSync(tsx, [path.join(root, 'test', 'fixtures', 'bad-environments-app.ts')], { cwd: root, encoding: 'utf8', env: { ...process.env, CDK_OUTDIR: path.join(root, '.scratch', 'bad-app') } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('prod.region: "us-east-9" is not an AWS region');
    expect(result.stderr).toContain('prod.scope.maxInputTokens: -1 is not a whole number of tokens from 1 to 2000000');
    expect(result.stderr).toContain('prod.name: "prod" is used by environments[0] and environments[1]');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('the app entry point runs under tsx, as cdk.json runs it', () => {
    // Only the module graph is loaded here (no synthesis): cdk.json's `app` command must resolve.
    const out = execFileSync(tsx, ['-e', 'const a = require("./bin/app"); console.log(typeof a.main)'], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('function');
  });
});
