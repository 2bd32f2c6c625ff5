import { Match } from 'aws-cdk-lib/assertions';
import { buildApp } from '../bin/app';
import { environments } from '../bin/environments';
import { DataRemoval, FineTuningService, UseCaseTask } from '../lib/config/environment';
import { GenAiLifecycleStage } from '../lib/stage';
import { EXIT_OK, main } from '../scripts/review';
import { publishedMetric, statisticFits } from '../lib/compatibility/cloudwatch-metrics';
import { API_METRICS_NAMESPACE, API_ROUTE_METRICS } from '../lib/runtime/api/settings';
import { dashboardOf } from './support/dashboard';
import { newApp, synthesize, templateOf } from './support/synth';

// The shipped environments, synthesized once exactly as `cdk synth` does.
const app = buildApp(environments, newApp());
const result = synthesize(app);
const stages = Object.fromEntries(app.node.children.filter(GenAiLifecycleStage.isStage).map((s) => [s.node.id, s as GenAiLifecycleStage]));

describe('GenAiLifecycleStage (shipped environments)', () => {
  test('synthesizes every environment into its own assembly', () => {
    expect(result.error).toBeUndefined();
    expect(Object.keys(stages)).toEqual(['Dev', 'Staging', 'Prod']);
    expect(stages.Prod.dataStack.region).toBe('us-west-2');
  });

  test.each(['Dev', 'Staging', 'Prod'])('%s has zero unacknowledged cdk-nag, guard and CloudFormation findings', (stage) => {
    expect(result.findings.filter((f) => f.constructPath.startsWith(`${stage}/`))).toEqual([]);
  });

  test('no finding at all is left in the report', () => {
    expect(result.findings).toEqual([]);
  });

  test('prod: the dataset bucket is KMS-encrypted, versioned, retained, private, logged and TLS-only', () => {
    const t = templateOf(stages.Prod.dataStack);
    const datasets = stages.Prod.datasets;
    const bucketId = stages.Prod.dataStack.getLogicalId(datasets.bucket.node.defaultChild as never);
    t.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      }),
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    expect(stages.Prod.dataStack.terminationProtection).toBe(true);
  });

  test('dev: throwaway data is deleted with the stack and seeded from datasets/starter', () => {
    const t = templateOf(stages.Dev.dataStack);
    t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    // The seed folder is laid out like the store (train/, validation/): one copy into each prefix.
    const copies = Object.values(t.findResources('Custom::CDKBucketDeployment')).map((r) => r.Properties as { DestinationBucketKeyPrefix?: string; Prune: boolean });
    expect(copies.map((c) => [c.DestinationBucketKeyPrefix, c.Prune]).sort()).toEqual([['train/', false], ['validation/', false]]);
    // The seeding handler's role may write (never delete) only there, list only there, and read only the seed's zips.
    const [seeding] = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^GenAiLifecycleDatasetSeedingRole') }] } }));
    const statements = (seeding.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] } }).PolicyDocument.Statement;
    const actions = statements.flatMap((st) => [st.Action].flat());
    expect([...new Set(actions)].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    const put = statements.find((st) => [st.Action].flat().includes('s3:PutObject'))!;
    expect(JSON.stringify(put.Resource)).toMatch(/\/train\/\*.*\/validation\/\*/);
    expect(statements.filter((st) => st.Action === 's3:ListBucket').map((st) => st.Condition)).toEqual([
      { StringLike: { 's3:prefix': ['train/*'] } }, { StringLike: { 's3:prefix': ['validation/*'] } },
    ]);
    expect(statements.find((st) => [st.Action].flat().includes('kms:Decrypt'))!.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' } });
    expect(JSON.stringify(statements.find((st) => st.Action === 's3:GetObject')!.Resource)).toMatch(/cdk-hnb659fds-assets-.*\/[0-9a-f]{64}\.zip/);
    t.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [
      Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } }),
      // Dev keeps prompts and answers 30 days.
      { Id: 'expire-interactions', Prefix: 'feedback/interactions/', ExpirationInDays: 30, Status: 'Enabled' },
    ] } });
  });

  test('every role grant on a KMS key is usable only through the service that needs it, or is a documented service-role grant', () => {
    // Service roles a service assumes and calls KMS with itself (no kms:ViaService in such calls): the training
    // jobs' role (VolumeKmsKeyId) and the knowledge base's (transient ingestion data, Bedrock user guide).
    const serviceRoles = /^(FineTuningTrainingRole|KnowledgeBaseRole)/;
    const unconditioned: string[] = [];
    let grants = 0;
    for (const stage of Object.values(stages)) {
      for (const stack of [stage.dataStack, stage.adaptationStack, stage.servingStack].filter(Boolean)) {
        for (const [id, policy] of Object.entries(templateOf(stack!).findResources('AWS::IAM::Policy'))) {
          for (const st of (policy.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Condition?: Record<string, Record<string, unknown>> }[] } }).PolicyDocument.Statement) {
            const kms = [st.Action].flat().filter((a) => a.startsWith('kms:'));
            if (kms.length === 0) continue;
            grants++;
            const via = st.Condition?.StringEquals?.['kms:ViaService'];
            const awsResourceGrant = kms.every((a) => a === 'kms:CreateGrant') && st.Condition?.Bool?.['kms:GrantIsForAWSResource'] === 'true';
            if (via === undefined && !awsResourceGrant && !serviceRoles.test(id)) unconditioned.push(`${stage.node.id}/${id}: ${kms.join(', ')}`);
          }
        }
      }
    }
    expect(grants).toBeGreaterThan(20);
    expect(unconditioned).toEqual([]);
  });

  test('each stage sizes its scope: prod (16 concurrent 7168-token sequences of Qwen2.5-7B at bf16)', () => {
    const estimate = stages.Prod.servingEstimate!;
    // weights 7,615,616,512 x 2 B = 14.19 GiB; KV 2 x 28 layers x 4 KV heads x 128 x 2 B = 57,344 B/token,
    // x 7,168 tokens x 16 sequences = 6.125 GiB
    expect(estimate.memory.weightsGiB).toBeCloseTo(14.185, 3);
    expect(estimate.memory.kvCacheGiB).toBeCloseTo(6.125, 3);
    expect(estimate.recommended?.instanceType).toBe(estimate.candidates[0].instanceType);
    // staging serves int4: less memory; dev serves a Bedrock model: nothing to size
    expect(stages.Staging.servingEstimate!.memory.totalGiB).toBeLessThan(estimate.memory.totalGiB / 2);
    expect(stages.Dev.servingEstimate).toBeUndefined();
  });

  test('dev serves a Bedrock model through a US cross-region profile, nothing on SageMaker', () => {
    const t = templateOf(stages.Dev.servingStack!);
    t.hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', {
      ModelSource: { CopyFrom: { 'Fn::Join': ['', ['arn:aws:bedrock:us-west-2:', { Ref: 'AWS::AccountId' }, ':inference-profile/us.meta.llama3-1-8b-instruct-v1:0']] } },
    });
    t.resourceCountIs('AWS::SageMaker::Endpoint', 0);
  });

  test('staging serves the AWQ checkpoint with LMI vLLM on the cheapest GPU that holds it, with no runtime quantize setting', () => {
    const endpoint = stages.Staging.endpoint!;
    expect(endpoint.placement.instanceType).toBe(endpoint.estimate.candidates.find((c) => c.acceleratorKind === 'gpu')!.instanceType);
    templateOf(stages.Staging.servingStack!).hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { Environment: Match.objectLike({ HF_MODEL_ID: 'Qwen/Qwen2.5-7B-Instruct-AWQ', OPTION_MAX_MODEL_LEN: '7168' }) },
    });
    expect(endpoint.environment.OPTION_QUANTIZE).toBeUndefined();
    // The LMI image is CUDA 13.0 (driver 580+); g4dn's default real-time driver is 470: the endpoint pins the AMI with 580.
    expect(endpoint.inferenceAmiVersion).toBe('al2023-ami-sagemaker-inference-gpu-4-1');
  });

  test('prod: the endpoint autoscales from 2 to 4 instances, captures 20% to the dataset store, and alarms', () => {
    const t = templateOf(stages.Prod.servingStack!);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 4, ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution' }, TargetValue: 8 }),
    });
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      DataCaptureConfig: Match.objectLike({ EnableCapture: true, InitialSamplingPercentage: 20, DestinationS3Uri: Match.anyValue(), KmsKeyId: Match.anyValue() }),
    });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 6); // 5 on the endpoint, 1 on the API's record dead-letter queue
    // 16 concurrent requests over at least 2 instances: each decodes 8 at once
    expect(stages.Prod.endpoint!.environment.OPTION_MAX_ROLLING_BATCH_SIZE).toBe('8');
  });

  test('environments with an open model get the optimization role, and say where it and the bucket are', () => {
    templateOf(stages.Prod.servingStack!).hasOutput('OptimizationRoleArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OptimizationRole'), 'Arn'] } });
    templateOf(stages.Prod.dataStack).hasOutput('DatasetBucketName', {});
    expect(stages.Dev.optimizationRole).toBeUndefined();
  });

  test.each(['Dev', 'Staging', 'Prod'])('%s: the API stage throttles to the scope and writes JSON access logs', (name) => {
    const stage = stages[name];
    const scope = stage.config.scope;
    templateOf(stage.servingStack!).hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: scope.peakRequestsPerSecond, ThrottlingBurstLimit: 2 * scope.concurrency })],
      TracingEnabled: true,
    });
  });

  test('prod puts a WAF web ACL in front of its API; dev and staging do not', () => {
    templateOf(stages.Prod.servingStack!).resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    templateOf(stages.Staging.servingStack!).resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  test('dev guards its Bedrock model with a guardrail; the endpoints\' APIs invoke their endpoint', () => {
    templateOf(stages.Dev.servingStack!).resourceCountIs('AWS::Bedrock::Guardrail', 1);
    templateOf(stages.Prod.servingStack!).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'] })]) },
    });
  });

  test('fine-tuning: dev customizes on Bedrock, staging and prod train on SageMaker, prod approves by hand', () => {
    const definition = (name: string) => JSON.stringify(templateOf(stages[name].adaptationStack!).findResources('AWS::StepFunctions::StateMachine'));
    expect(definition('Dev')).toContain('createModelCustomizationJob');
    expect(definition('Staging')).toContain('sagemaker:createTrainingJob.sync');
    expect(definition('Staging')).toContain('\\"ModelApprovalStatus\\":\\"Approved\\"');
    expect(definition('Prod')).toContain('\\"ModelApprovalStatus\\":\\"PendingManualApproval\\"');
    expect(definition('Prod')).toContain('\\"EnableManagedSpotTraining\\":true');
    templateOf(stages.Staging.adaptationStack!).resourceCountIs('AWS::Events::Rule', 1);
    templateOf(stages.Prod.adaptationStack!).resourceCountIs('AWS::Events::Rule', 0);
    templateOf(stages.Prod.adaptationStack!).hasOutput('FineTuningStateMachineArn', {});
  });

  test('dev: a knowledge base on S3 Vectors ingests on every upload or delete under documents/; the API retrieves from it and offers the calculator', () => {
    const t = templateOf(stages.Dev.servingStack!);
    t.resourceCountIs('AWS::Bedrock::KnowledgeBase', 1);
    t.resourceCountIs('AWS::S3Vectors::Index', 1);
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['Object Created', 'Object Deleted'], detail: Match.objectLike({ object: { key: [{ prefix: 'documents/' }] } }) }) });
    t.hasResourceProperties('AWS::Lambda::Function', {
      // Llama 3.1 has tool use but not in streaming mode (Bedrock "Supported models and model features"): the handler
      // runs tool turns with Converse when a request streams.
      Environment: { Variables: Match.objectLike({ KNOWLEDGE_BASE_ID: Match.anyValue(), RETRIEVAL_BY_DEFAULT: 'false', TOOLS: 'calculator', STREAMING_TOOL_USE: 'false' }) },
    });
    t.hasOutput('KnowledgeBaseId', {});
  });

  test('prod retrieves 4 passages on request and ingests on command; staging has no knowledge base', () => {
    const t = templateOf(stages.Prod.servingStack!);
    t.resourceCountIs('AWS::Bedrock::KnowledgeBase', 1);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RETRIEVAL_RESULTS: '4', RETRIEVAL_BY_DEFAULT: 'false' }) },
    });
    expect(stages.Staging.knowledgeBase).toBeUndefined();
    templateOf(stages.Staging.servingStack!).resourceCountIs('AWS::Bedrock::KnowledgeBase', 0);
  });

  test('every resource is tagged with its environment', () => {
    templateOf(stages.Prod.dataStack).hasResourceProperties('AWS::S3::Bucket', {
      Tags: Match.arrayWith([{ Key: 'cost-center', Value: 'ml-platform' }, { Key: 'environment', Value: 'prod' }, { Key: 'managed-by', Value: 'genai-lifecycle-cdk' }]),
    });
  });
});

// npm run review over the same synthesis.
let stdout = '';
let stderr = '';
let code: number;

beforeAll(() => {
  // The review reads the assembly this file already synthesized (npm run review -- --assembly DIR).
  code = main(['--assembly', app.outdir], { stdout: (t) => { stdout += `${t}\n`; }, stderr: (t) => { stderr += `${t}\n`; } });
});

describe('review of the shipped environments', () => {
  test('exits 0 with a summary row for every environment', () => {
    expect([code, stderr]).toEqual([EXIT_OK, '']);
    for (const env of ['Dev', 'Staging', 'Prod']) {
      expect(stdout).toMatch(new RegExp(`^\\| \\*\\*${env}\\*\\* \\| \\d+ \\| \\d+ \\| \\$[\\d,]+\\.\\d\\d – \\$[\\d,]+\\.\\d\\d`, 'm'));
      expect(stdout).toContain(`<summary><b>${env}</b>: 4 stacks,`);
    }
  });

  test('Prod has a monthly cost in USD for its endpoint instances, with the price source', () => {
    const prod = section('Prod');
    const [, min, max] = /\*\*Monthly: \$([\d,.]+) at minimum scale, \$([\d,.]+) at maximum scale\.\*\*/.exec(prod) ?? [];
    expect(Number(min.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(Number(max.replace(/,/g, ''))).toBeGreaterThanOrEqual(Number(min.replace(/,/g, '')));
    expect(stdout).toContain('⚠ Prices are third-party and overridable with `--prices FILE.json`');
  });

  test('the IAM section flags wildcards', () => {
    const [, statements, flagged] = /### IAM: (\d+) statements, (\d+) ⚠ with wildcards/.exec(section('Prod')) ?? [];
    expect(Number(statements)).toBeGreaterThan(Number(flagged));
    expect(Number(flagged)).toBeGreaterThan(0);
    expect(section('Prod')).toMatch(/^\| ⚠ \| `[^`]+` \| Allow \| .*⚠/m);
  });

  test('the validation summary counts every plugin, with no open finding and the acknowledgements listed', () => {
    for (const env of ['Dev', 'Staging', 'Prod']) {
      const text = section(env);
      for (const label of ['cdk-nag AwsSolutions', 'Control Tower guard (cdk-validator-cfnguard)', 'CloudFormation Validate', 'kit deploy-failure rules (genai-lifecycle-cdk-rules)']) {
        expect(text).toMatch(new RegExp(`^\\| ${label.replace(/[()]/g, '\\$&')} \\| 0 \\| \\d+ \\|$`, 'm'));
      }
      expect(text).toMatch(/\*\*Acknowledgements \(\d+\)\*\*/);
    }
  });
});

/** The collapsible section of one environment. */
function section(env: string): string {
  const start = stdout.indexOf(`<summary><b>${env}</b>`);
  return stdout.slice(start, stdout.indexOf('</details>', start));
}

describe('an environment with a model of its own', () => {
  test('serves and fine-tunes a model its models describe, sized from those facts', () => {
    const acme = { id: 'acme/support-7b', parameters: 7_241_732_096, layers: 32, kvHeads: 8, headDim: 128, attentionHeads: 32, hiddenSize: 4096, intermediateSize: 14336, vocabSize: 32000, maxContextTokens: 32768 };
    const stage = new GenAiLifecycleStage(newApp(), 'Acme', { policyChecks: false, config: {
      name: 'acme', region: 'us-east-1', dataRemoval: DataRemoval.RETAIN, logRetentionDays: 365, models: [acme],
      scope: { description: 'Support answers', task: UseCaseTask.CHAT, maxInputTokens: 4096, maxOutputTokens: 512, concurrency: 2, model: acme.id },
      adaptation: { backend: FineTuningService.SAGEMAKER, gate: { thresholds: { rouge_l: { min: 0.3 } } }, testKey: 'test/support.jsonl' },
    } });
    // 7.24e9 parameters x 2 bytes = 13.5 GiB of bf16 weights, as the architecture says.
    expect(stage.servingEstimate!.memory.weightsGiB).toBeCloseTo((acme.parameters * 2) / 2 ** 30, 3);
    templateOf(stage.servingStack!).hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ProductionVariants: [Match.objectLike({ InstanceType: stage.servingEstimate!.recommended!.instanceType })],
    });
    expect(JSON.stringify(templateOf(stage.adaptationStack!).findResources('AWS::StepFunctions::StateMachine'))).toContain('acme/support-7b');
  });
});

test('a stage refuses env: its account and region come from the config', () => {
  const dev = environments.find((e) => e.name === 'dev')!;
  expect(() => new GenAiLifecycleStage(newApp(), 'WithEnv', { config: dev, env: { region: 'eu-west-1' } }))
    .toThrow(/WithEnv: 1 problem:\n {2}- env is set, but a stage takes its account and region from config\.account and config\.region: remove env\./);
});

describe('the dashboard of each shipped environment names only metrics its resources publish', () => {
  const ROUTES = ['/v1/generate', '/v1/generate/stream'];
  const HANDLER_COUNTS = new Set(['Success', 'ClientError', 'ServerError', 'InputTokens', 'OutputTokens']);

  test.each(['Dev', 'Staging', 'Prod'])('%s', (name) => {
    const stage = stages[name];
    const ops = stage.operationsStack!;
    const d = dashboardOf(templateOf(ops));
    const ref = (value: string) => ops.resolve(value);
    expect(d.metrics.length).toBeGreaterThan(10);
    for (const m of d.metrics) {
      const where = `${name} "${m.widget}": ${m.namespace} ${m.name} ${JSON.stringify(m.dimensions)} ${m.statistic}`;
      if (m.namespace === API_METRICS_NAMESPACE) {
        // What the handler publishes (lib/runtime/api/settings.ts): its metric names, with service and route.
        expect([where, (API_ROUTE_METRICS as readonly string[]).includes(m.name)]).toEqual([where, true]);
        expect([where, Object.keys(m.dimensions).sort()]).toEqual([where, ['route', 'service']]);
        expect([where, m.dimensions.service]).toEqual([where, stage.api!.serviceName]);
        expect([where, ROUTES.includes(m.dimensions.route as string)]).toEqual([where, true]);
        expect([where, statisticFits(HANDLER_COUNTS.has(m.name) ? 'count' : 'gauge', m.statistic)]).toEqual([where, true]);
        continue;
      }
      const published = publishedMetric(m.namespace, m.name);
      expect([where, published !== undefined]).toEqual([where, true]);
      expect([where, published!.dimensionSets.some((set) => [...set].sort().join() === Object.keys(m.dimensions).sort().join())]).toEqual([where, true]);
      expect([where, statisticFits(published!.kind, m.statistic)]).toEqual([where, true]);
      // Each dimension names this environment's own resource.
      const expected: Record<string, unknown> = {
        EndpointName: stage.endpoint?.endpointName, VariantName: stage.endpoint?.variantName, InferenceComponentName: stage.endpoint?.inferenceComponentName,
        StateMachineArn: [stage.fineTuning?.stateMachine.stateMachineArn, stage.knowledgeBase?.ingestionStateMachine?.stateMachineArn].filter(Boolean).map((a) => ref(a!)),
        ApiName: ref(stage.api!.api.restApiName), Stage: ref(stage.api!.api.deploymentStage.stageName),
      };
      for (const [dimension, value] of Object.entries(m.dimensions)) {
        const want = expected[dimension];
        const ok = Array.isArray(want) ? want.some((w) => JSON.stringify(w) === JSON.stringify(value)) : JSON.stringify(value) === JSON.stringify(want);
        expect([where, dimension, ok]).toEqual([where, dimension, true]);
      }
    }
    for (const s of d.searches) {
      const where = `${name} "${s.widget}": SEARCH ${s.namespace} ${s.metricName}`;
      const published = publishedMetric(s.namespace, s.metricName);
      expect([where, published?.dimensionSets.some((set) => set.join() === s.dimensions.join())]).toEqual([where, true]);
      expect([where, statisticFits(published!.kind, s.statistic)]).toEqual([where, true]);
      if (s.namespace === 'AWS/Bedrock') {
        // Whichever id Bedrock publishes under, the search names it: the application profile, the profile id, the model id.
        expect(s.modelIds).toEqual([ref(stage.bedrockModel!.invocationId), 'us.meta.llama3-1-8b-instruct-v1:0', 'meta.llama3-1-8b-instruct-v1:0']);
      }
    }
  });

  test('each environment has a section for what it has, and none for what it lacks', () => {
    expect(stages.Dev.dashboard!.sections).toEqual(['api', 'bedrock', 'fine-tuning', 'ingestion']);
    expect(stages.Staging.dashboard!.sections).toEqual(['api', 'endpoint', 'fine-tuning']);
    expect(stages.Prod.dashboard!.sections).toEqual(['api', 'endpoint', 'fine-tuning']);
  });

  test('staging serves through an inference component: its invocation metrics are per component, its GPU per copy', () => {
    const d = dashboardOf(templateOf(stages.Staging.operationsStack!));
    const component = stages.Staging.endpoint!.inferenceComponentName!;
    const invocations = d.metrics.filter((m) => m.namespace === 'AWS/SageMaker');
    expect(invocations.length).toBeGreaterThan(0);
    for (const m of invocations) expect(m.dimensions).toEqual({ InferenceComponentName: component });
    expect(d.metrics.filter((m) => m.namespace === '/aws/sagemaker/InferenceComponents').map((m) => m.name).sort())
      .toEqual(['CPUUtilizationNormalized', 'GPUMemoryUtilizationNormalized', 'GPUUtilizationNormalized']);
  });

  test('prod divides the summed GPU metrics by the instance\'s GPUs', () => {
    const body = JSON.stringify(templateOf(stages.Prod.operationsStack!).findResources('AWS::CloudWatch::Dashboard'));
    expect(stages.Prod.endpoint!.gpusPerInstance).toBeGreaterThan(0);
    expect(body).toContain(`gpu / ${stages.Prod.endpoint!.gpusPerInstance}`);
    expect(body).toContain('GPU utilization per GPU');
  });
});

describe('scheduled capacity (staging)', () => {
  test('the copies drop to 0 at 20:00 on weekdays, New York time, and return at 08:00; a request at night starts one', () => {
    const t = templateOf(stages.Staging.servingStack!);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
      MinCapacity: 1,
      ScheduledActions: [
        { ScheduledActionName: 'OffHours', Schedule: 'cron(0 20 ? * MON,TUE,WED,THU,FRI *)', Timezone: 'America/New_York', ScalableTargetAction: { MinCapacity: 0 } },
        { ScheduledActionName: 'WorkingHours', Schedule: 'cron(0 8 ? * MON,TUE,WED,THU,FRI *)', Timezone: 'America/New_York', ScalableTargetAction: { MinCapacity: 1 } },
      ],
    });
    // The instance goes with the last copy: managed instance scaling down to 0.
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', { ProductionVariants: [Match.objectLike({ ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 1 } })] });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { PolicyType: 'StepScaling' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NoCapacityInvocationFailures', Namespace: 'AWS/SageMaker' });
  });
});

describe('the budget (prod)', () => {
  test('a monthly cost budget of the resources tagged environment: prod, alerting a topic Budgets may publish to and encrypt for', () => {
    const t = templateOf(stages.Prod.operationsStack!);
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: { BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 9000, Unit: 'USD' }, CostFilters: { TagKeyValue: ['user:environment$prod'] } },
      NotificationsWithSubscribers: [
        { Notification: { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE' }, Subscribers: [{ SubscriptionType: 'SNS', Address: { Ref: Match.stringLikeRegexp('^BudgetTopic') } }] },
        { Notification: { NotificationType: 'FORECASTED', ComparisonOperator: 'GREATER_THAN', Threshold: 100, ThresholdType: 'PERCENTAGE' }, Subscribers: [{ SubscriptionType: 'SNS', Address: { Ref: Match.stringLikeRegexp('^BudgetTopic') } }] },
      ],
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Effect: 'Allow', Principal: { Service: 'budgets.amazonaws.com' } })]) },
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Principal: { Service: 'budgets.amazonaws.com' } })]) },
    });
    expect(stages.Dev.budget).toBeUndefined();
  });
});
