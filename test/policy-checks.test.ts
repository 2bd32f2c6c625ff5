// Policy checks fail synthesis: a stage with planted findings from each checker (cdk-nag, the Control Tower
// guard rules, CloudFormation schema validation). Kept apart from the shipped-environment tests so the two
// heavy synths run on separate jest workers. Then the checkers as optional peers: loaded only when added.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { CfnResource, type IPolicyValidationContext, type PolicyValidationPluginReport, Stack } from 'aws-cdk-lib';
import type * as Cdk from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { prod } from '../bin/environments';
import type * as Kit from '../lib';
import { GenAiLifecycleStage } from '../lib/stage';
import { OPTIONAL_PEERS } from '../lib/validation/optional-peers';
import { ControlTowerGuard } from '../lib/validation/policy-checks';
import { type Finding, newApp, synthesize } from './support/synth';

describe('policy checks fail synthesis', () => {
  // GIVEN a stage with a bucket that breaks cdk-nag and Control Tower rules, and a resource that breaks
  // the CloudFormation schema WHEN synthesized THEN synthesis fails and names each rule.
  const planted = newApp();
  // A stage with its data stack only (no model yet): the planted stack is the subject.
  const stage = new GenAiLifecycleStage(planted, 'Planted', { config: { ...prod, name: 'planted', scope: { ...prod.scope, model: undefined }, serving: undefined, adaptation: undefined } });
  const extra = new Stack(stage, 'Extra');
  new s3.Bucket(extra, 'Careless', { encryption: s3.BucketEncryption.S3_MANAGED });
  new CfnResource(extra, 'Malformed', { type: 'AWS::SQS::Queue', properties: { MessageRetentionPeriod: 'a week', NotAQueueProperty: true } });
  const outcome = synthesize(planted);
  const rules = (plugin: string): string[] => outcome.findings.filter((f: Finding) => f.plugin === plugin).map((f) => f.rule);

  test('synthesis throws', () => {
    expect(outcome.error?.name).toBe('ValidationFailed');
    expect(outcome.error?.message).toContain('Planted/Extra/Careless/Resource');
  });

  test('cdk-nag AwsSolutions findings are reported', () => {
    expect(rules('AwsSolutions')).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });

  test('Control Tower guard findings are reported', () => {
    expect(rules('cdk-validator-cfnguard')).toEqual(expect.arrayContaining(['s3_bucket_logging_enabled_check', 's3_bucket_default_encryption_kms_check']));
  });

  test('CloudFormation schema findings are reported', () => {
    const cfn = outcome.findings.filter((f) => f.plugin === 'CloudFormation Validate');
    expect(cfn.length).toBeGreaterThan(0);
    expect(cfn.every((f) => f.constructPath.startsWith('Planted/Extra/Malformed'))).toBe(true);
  });

  test('the scoped guard finds exactly what the full Control Tower rule set finds', () => {
    const dir = path.join(planted.outdir, 'assembly-Planted');
    const templatePaths = fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(dir, f));
    const context = { templatePaths, stackTemplates: [], appConstruct: planted } as unknown as IPolicyValidationContext;
    const found = (r: PolicyValidationPluginReport) => r.violations.flatMap((v) => v.violatingResources.map((x) => `${v.ruleName} ${x.resourceLogicalId}`)).sort();
    const scoped = found(new ControlTowerGuard().validate(context));
    expect(scoped.length).toBeGreaterThan(5);
    expect(scoped).toEqual(found(new CfnGuardValidator().validate(context)));
  });

  test('the stage\'s own data stack stays clean', () => {
    expect(outcome.findings.filter((f) => f.constructPath.startsWith('Planted/Data/'))).toEqual([]);
  });

  test('a stage whose scope names no model yet has no serving stack', () => {
    expect(stage.servingStack).toBeUndefined();
    expect(outcome.findings.filter((f) => f.constructPath.startsWith('Planted/Serving'))).toEqual([]);
  });
});

describe('cdk-nag and the guard validator are optional peers', () => {
  const PEERS = ['cdk-nag', '@cdklabs/cdk-validator-cfnguard'] as const;
  const root = path.join(__dirname, '..');
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;

  test('package.json declares them optional peers (installed here as development dependencies), with the ranges the error names', () => {
    for (const name of PEERS) {
      expect(manifest.dependencies[name]).toBeUndefined();
      expect(manifest.peerDependencies[name]).toBe(OPTIONAL_PEERS[name]);
      expect(manifest.peerDependenciesMeta[name]).toEqual({ optional: true });
      expect(OPTIONAL_PEERS[name]).toBe(`^${manifest.devDependencies[name] as string}`);
    }
  });

  test('no library module outside lib/validation imports them, and there only types or through optional-peers.ts', () => {
    const files = fs.readdirSync(path.join(root, 'lib'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join('lib', f));
    const imports = files.flatMap((file) => [...fs.readFileSync(path.join(root, file), 'utf8')
      .matchAll(/(import\s+type\s[^;]*?from|from|import|require(?:\.resolve)?\()\s*\(?\s*'((?:cdk-nag|@cdklabs\/cdk-validator-cfnguard)(?:\/[^']*)?)'/g)]
      .map((m) => ({ file: file.split(path.sep).join('/'), how: m[1].startsWith('import type') ? 'type' : 'value', spec: m[2] })));
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => !i.file.startsWith('lib/validation/'))).toEqual([]);
    expect(imports.filter((i) => i.how === 'value' && i.file !== 'lib/validation/optional-peers.ts')).toEqual([]);
  });

  /** Requires `module` in a fresh registry where the optional peers are not installed. */
  function withoutPeers<T>(load: (req: (id: string) => unknown) => T): T {
    for (const name of PEERS) {
      jest.doMock(name, () => {
        throw Object.assign(new Error(`Cannot find module '${name}' from 'lib/validation/optional-peers.ts'`), { code: 'MODULE_NOT_FOUND' });
      });
    }
    try {
      let result: T | undefined;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      jest.isolateModules(() => { result = load((id) => require(id)); });
      return result as T;
    } finally {
      for (const name of PEERS) jest.dontMock(name);
    }
  }

  test('the package loads without them, and its constructs synthesize', () => {
    const synthesized = withoutPeers((req) => {
      const kit = req('../lib') as typeof Kit;
      const cdk = req('aws-cdk-lib') as typeof Cdk;
      const app = new cdk.App();
      new kit.DatasetStore(new cdk.Stack(app, 'Data'), 'Datasets');
      return app.synth().stacks.map((s) => s.stackName);
    });
    expect(synthesized).toEqual(['Data']);
  });

  test('PolicyChecks.add without them fails with the package and the command that installs it', () => {
    const error = withoutPeers((req) => {
      const kit = req('../lib') as typeof Kit;
      const cdk = req('aws-cdk-lib') as typeof Cdk;
      try {
        kit.PolicyChecks.add(new cdk.App());
        return undefined;
      } catch (e) {
        return e as Error;
      }
    });
    expect(error?.name).toBe('MissingPeerError');
    expect(error?.message).toBe('PolicyChecks.add needs cdk-nag, an optional peer dependency of genai-lifecycle-cdk that is not installed: ' +
      `run \`npm install --save-dev cdk-nag@${OPTIONAL_PEERS['cdk-nag']}\` (or leave the kit's policy checks out: \`policyChecks: false\`).`);
  });
});
