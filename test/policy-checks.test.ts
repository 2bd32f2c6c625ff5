// Policy checks fail synthesis: a stage with planted findings from each checker (cdk-nag, the Control Tower
// guard rules, CloudFormation schema validation). Kept apart from the shipped-environment tests so the two
// heavy synths run on separate jest workers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { CfnResource, type IPolicyValidationContext, type PolicyValidationPluginReport, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { prod } from '../bin/environments';
import { GenAiLifecycleStage } from '../lib/stage';
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
