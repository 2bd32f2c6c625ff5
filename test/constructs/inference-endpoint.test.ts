import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DatasetStore } from '../../lib/constructs/dataset-store';
import { type EndpointAlarms, InferenceEndpoint, type InferenceEndpointProps } from '../../lib/constructs/inference-endpoint';
import { ModelSource } from '../../lib/constructs/model-source';
import { Quantization, ServingContainer } from '../../lib/serving';
import { containerEnvironment } from '../../lib/serving';
import { InstanceCatalog, InstanceType, ModelCatalog } from '../../lib/sizing';
import { endpointVolumeGB } from '../../lib/constructs/inference-endpoint';
import { newApp, synthesize, templateOf } from '../support/synth';

const LIMITS = { maxInputTokens: 3072, maxOutputTokens: 1024, concurrency: 4 };
const QWEN = 'Qwen/Qwen2.5-7B-Instruct';

// One app for the file: every stack below is synthesized once, under the strict CloudFormation validation.
const app = newApp();
function stackIn(id: string, region?: string): Stack {
  return new Stack(app, id, region ? { env: { account: '111122223333', region } } : {});
}
/** An endpoint with alarms (addAlarms) unless `alarms` is false. */
function endpoint(id: string, { alarms, ...props }: Partial<InferenceEndpointProps> & { alarms?: EndpointAlarms | false }, region = 'us-east-1') {
  const stack = stackIn(id, region);
  const datasets = new DatasetStore(stack, 'Datasets');
  const ep = new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.huggingFace(QWEN), limits: LIMITS, datasets, ...props });
  if (alarms !== false) ep.addAlarms(alarms ?? {});
  return { stack, ep, datasets };
}

const basic = endpoint('Basic', { instanceType: InstanceType.G6E_XLARGE, dataCaptureSamplingPercentage: 10 });
const caller = new iam.Role(basic.stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
basic.ep.grantInvoke(caller);
const neuron = endpoint('Neuron', { container: ServingContainer.NEURON, instanceType: InstanceType.INF2_8XLARGE });
const fromStore = (() => {
  const stack = stackIn('FromStore', 'eu-central-1');
  const datasets = new DatasetStore(stack, 'Datasets');
  const ep = new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.fromDatasetStore(datasets, 'models/qwen-sft/'), model: QWEN, limits: LIMITS, datasets });
  return { stack, ep };
})();
const components = endpoint('Components', {
  autoScaling: { minInstances: 0, maxInstances: 2 },
  inferenceComponents: { minCopies: 0, adapters: { support: 'models/adapters/support/' } },
});
const agnostic = (() => {
  const stack = stackIn('Agnostic');
  const ep = new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.huggingFace(QWEN), limits: LIMITS });
  return { stack, ep };
})();
const regional = ['eu-central-1', 'af-south-1', 'cn-north-1', 'us-gov-west-1'].map((region) =>
  endpoint(`In-${region}`, { alarms: false }, region));
// A second app, synthesized once, for the stacks of tests that run after others have added to the first.
const laterApp = newApp();
const PACKAGE_ARN = 'arn:aws:sagemaker:us-east-1:111122223333:model-package/support-chat/3';
const packaged = (() => {
  const stack = new Stack(laterApp, 'Package', { env: { account: '111122223333', region: 'us-east-1' } });
  new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.modelPackage(PACKAGE_ARN), model: QWEN, limits: LIMITS, instanceType: InstanceType.G6E_XLARGE });
  return { stack };
})();
/** An endpoint on a g6e.xlarge with a dataset store, in a stack of its own (the scheduled capacity tests). */
function scheduled(id: string, props: Partial<InferenceEndpointProps>, into = laterApp) {
  const stack = new Stack(into, id, { env: { account: '111122223333', region: 'us-east-1' } });
  const ep = new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.huggingFace(QWEN), limits: LIMITS, instanceType: InstanceType.G6E_XLARGE, datasets: new DatasetStore(stack, 'Datasets'), ...props });
  return { stack, ep };
}
const variantSchedule = scheduled('Variant', { autoScaling: { minInstances: 4, maxInstances: 8 }, schedule: { timeZone: 'Europe/Berlin', workingDays: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], startHour: 7, endHour: 22, offHoursMinimum: 1 } });
const copiesSchedule = scheduled('Copies', { autoScaling: { minInstances: 0, maxInstances: 2 }, inferenceComponents: { minCopies: 2 }, schedule: { timeZone: 'Asia/Tokyo', offHoursMinimum: 0 } });
const componentEndpoint = scheduled('Ic', { autoScaling: { minInstances: 0, maxInstances: 1 }, inferenceComponents: { minCopies: 0 } });
const result = synthesize(app);
const laterResult = synthesize(laterApp);

describe('InferenceEndpoint', () => {
  test('synthesizes every variant under strict CloudFormation validation', () => {
    expect(result.error).toBeUndefined();
    expect(laterResult.error).toBeUndefined();
  });

  test('the container receives exactly the settings of its container, quantization and placement', () => {
    const spec = InstanceCatalog.DEFAULT.get('ml.g6e.xlarge');
    const expected = containerEnvironment({ container: ServingContainer.LMI_VLLM, quantization: Quantization.NONE, modelId: QWEN, instance: spec, tensorParallelDegree: 1, ...{ maxInputTokens: 3072, maxOutputTokens: 1024 }, maxConcurrentRequests: 4 });
    expect(expected).toEqual({
      HF_MODEL_ID: QWEN, TENSOR_PARALLEL_DEGREE: '1', OPTION_MAX_ROLLING_BATCH_SIZE: '4',
      OPTION_DTYPE: 'bf16', OPTION_MAX_MODEL_LEN: '4096', OPTION_GPU_MEMORY_UTILIZATION: '0.9',
    });
    templateOf(basic.stack).hasResourceProperties('AWS::SageMaker::Model', {
      EnableNetworkIsolation: false,
      PrimaryContainer: { Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.36.0-lmi28.0.0-cu130', Environment: expected },
    });
  });

  test('startup timeouts allow the weights to download and load (at least 600 s)', () => {
    const variant = templateOf(basic.stack).findResources('AWS::SageMaker::EndpointConfig');
    const pv = (Object.values(variant)[0] as { Properties: { ProductionVariants: Record<string, number>[] } }).Properties.ProductionVariants[0];
    expect(pv.ContainerStartupHealthCheckTimeoutInSeconds).toBeGreaterThanOrEqual(600);
    expect(pv.ModelDataDownloadTimeoutInSeconds).toBeGreaterThanOrEqual(600);
  });

  test('no KmsKeyId on instance families with local NVMe storage (g6e), a key on those without (inf2)', () => {
    templateOf(basic.stack).hasResourceProperties('AWS::SageMaker::EndpointConfig', { KmsKeyId: Match.absent() });
    templateOf(neuron.stack).hasResourceProperties('AWS::SageMaker::EndpointConfig', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EndpointVolumeKey'), 'Arn'] } });
  });

  test('data capture goes to the captures prefix, encrypted with the dataset key', () => {
    templateOf(basic.stack).hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      DataCaptureConfig: {
        EnableCapture: true, InitialSamplingPercentage: 10,
        DestinationS3Uri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Datasets') }, `/captures/${basic.ep.endpointName}`]] },
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatasetsKey'), 'Arn'] },
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { JsonContentTypes: ['application/json'] },
      },
    });
  });

  test('the execution role may pull its image, log to its own group, write captures and nothing more', () => {
    const t = templateOf(basic.stack);
    const roleId = basic.stack.getLogicalId(basic.ep.role.node.defaultChild as never);
    const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    const statements = Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s) => ([] as string[]).concat(s.Action)).sort();
    expect(actions).toEqual([
      'cloudwatch:PutMetricData', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer',
      'kms:Decrypt', 'kms:GenerateDataKey', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents',
      's3:AbortMultipartUpload', 's3:PutObject',
    ]);
    expect(statements.find((s) => ([] as string[]).concat(s.Action).includes('ecr:BatchGetImage'))!.Resource)
      .toEqual('arn:aws:ecr:us-east-1:763104351884:repository/djl-inference');
    expect(JSON.stringify(t.findResources('AWS::IAM::Role'))).not.toMatch(/FullAccess/);
    // CreateLogGroup is authorized against the group's ARN (no :* stream part); the stream actions on its streams.
    const group = `/aws/sagemaker/Endpoints/${basic.ep.endpointName}`;
    const logs = (action: string) => statements.find((s) => ([] as string[]).concat(s.Action).includes(action))!.Resource;
    expect(JSON.stringify(logs('logs:CreateLogGroup'))).toContain(`:log-group:${group}"`);
    expect(JSON.stringify(logs('logs:PutLogEvents'))).toContain(`:log-group:${group}:*"`);
  });

  test('grantInvoke allows invoke and streaming invoke on this endpoint only', () => {
    templateOf(basic.stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: { Statement: [{ Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'], Effect: 'Allow', Resource: `arn:aws:sagemaker:us-east-1:111122223333:endpoint/${basic.ep.endpointName}` }] },
    });
  });

  test('alarms on 5xx, p90 latency, sustained GPU saturation per GPU, host memory and disk notify an encrypted topic', () => {
    const t = templateOf(basic.stack);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Invocation5XXErrors', Namespace: 'AWS/SageMaker', Threshold: 5, Dimensions: [{ Name: 'EndpointName', Value: basic.ep.endpointName }, { Name: 'VariantName', Value: 'AllTraffic' }] });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', ExtendedStatistic: 'p90', Threshold: 60_000_000 });
    // GPUUtilization is 0-100 x GPUs: the alarm divides by the instance's GPU count, so 90 means 90% of each GPU.
    const gpus = InstanceCatalog.DEFAULT.get(basic.ep.placement.instanceType).acceleratorCount;
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 90, EvaluationPeriods: 3,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: `m / ${gpus}` }), Match.objectLike({ Id: 'm', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'GPUUtilization', Namespace: '/aws/sagemaker/Endpoints' }) }) })]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'MemoryUtilization', Namespace: '/aws/sagemaker/Endpoints', Threshold: 90 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DiskUtilization', Namespace: '/aws/sagemaker/Endpoints', Threshold: 90 });
    // Memory is no alarm: vLLM reserves 90% of every GPU at start.
    expect(JSON.stringify(t.findResources('AWS::CloudWatch::Alarm'))).not.toContain('GPUMemoryUtilization');
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    expect(basic.ep.alarms).toHaveLength(5);
  });

  test('Neuron serves with the Neuron image and NeuronCores as the tensor-parallel unit', () => {
    expect(neuron.ep.environment).toMatchObject({ SM_ON_MODEL: QWEN, SM_ON_TENSOR_PARALLEL_SIZE: '2', SM_ON_BATCH_SIZE: '4', SM_ON_SEQUENCE_LENGTH: '4096' });
    // No cached shape can be relied on: the container may compile at startup, given the longest startup SageMaker allows.
    expect(neuron.ep.environment.SM_ON_ALLOW_NON_CACHED_MODEL).toBe('');
    templateOf(neuron.stack).hasResourceProperties('AWS::SageMaker::EndpointConfig', { ProductionVariants: [Match.objectLike({ ContainerStartupHealthCheckTimeoutInSeconds: 3600 })] });
    templateOf(neuron.stack).hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { Image: Match.stringLikeRegexp('/huggingface-vllm-inference-neuronx:') },
    });
  });

  test('weights from the dataset store are delivered uncompressed to /opt/ml/model, network-isolated', () => {
    templateOf(fromStore.stack).hasResourceProperties('AWS::SageMaker::Model', {
      EnableNetworkIsolation: true,
      PrimaryContainer: {
        Image: '763104351884.dkr.ecr.eu-central-1.amazonaws.com/djl-inference:0.36.0-lmi28.0.0-cu130',
        Environment: Match.objectLike({ HF_MODEL_ID: '/opt/ml/model' }),
        ModelDataSource: { S3DataSource: { S3Uri: { 'Fn::Join': ['', ['s3://', { Ref: Match.anyValue() }, '/models/qwen-sft/']] }, S3DataType: 'S3Prefix', CompressionType: 'None' } },
      },
    });
  });

  test.each([
    ['eu-central-1', '763104351884.dkr.ecr.eu-central-1.amazonaws.com'],
    ['af-south-1', '626614931356.dkr.ecr.af-south-1.amazonaws.com'],
    ['cn-north-1', '727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn'],
    ['us-gov-west-1', '442386744353.dkr.ecr.us-gov-west-1.amazonaws.com'],
  ])('the image resolves in %s to %s', (region, registry) => {
    const { stack } = regional.find((r) => r.stack.region === region)!;
    templateOf(stack).hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { Image: `${registry}/djl-inference:0.36.0-lmi28.0.0-cu130` },
    });
  });

  test('an environment-agnostic stack looks the image up in a mapping of the DLC registries', () => {
    const t = templateOf(agnostic.stack);
    const mappings = t.toJSON().Mappings.DlcRegistries;
    expect(mappings['cn-north-1']).toEqual({ account: '727897471807', domain: 'amazonaws.com.cn' });
    expect(mappings['us-east-1']).toEqual({ account: '763104351884', domain: 'amazonaws.com' });
    t.hasResourceProperties('AWS::SageMaker::Model', {
      PrimaryContainer: { Image: { 'Fn::Join': ['', [{ 'Fn::FindInMap': ['DlcRegistries', { Ref: 'AWS::Region' }, 'account'] }, '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { 'Fn::FindInMap': ['DlcRegistries', { Ref: 'AWS::Region' }, 'domain'] }, '/djl-inference:0.36.0-lmi28.0.0-cu130']] } },
    });
  });

  test('inference components: the model and an adapter as components, copies scaling to zero', () => {
    const t = templateOf(components.stack);
    t.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
      ExecutionRoleArn: Match.anyValue(),
      ProductionVariants: [Match.objectLike({ ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 2 }, RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' }, ModelName: Match.absent() })],
    });
    t.hasResourceProperties('AWS::SageMaker::InferenceComponent', { Specification: Match.objectLike({ ComputeResourceRequirements: Match.objectLike({ NumberOfAcceleratorDevicesRequired: 1 }) }), RuntimeConfig: { CopyCount: 1 } });
    t.hasResourceProperties('AWS::SageMaker::InferenceComponent', { Specification: { BaseInferenceComponentName: Match.anyValue(), Container: { ArtifactUrl: Match.anyValue() } } });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 0, ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount' });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { PolicyType: 'StepScaling' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NoCapacityInvocationFailures' });
    // Adapters load only with option.enable_lora (djl-serving adapters.md).
    expect(components.ep.environment.OPTION_ENABLE_LORA).toBe('true');
    expect(basic.ep.environment.OPTION_ENABLE_LORA).toBeUndefined();
    // Each component logs to its own group under /aws/sagemaker/InferenceComponents/.
    const policies = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(`:log-group:/aws/sagemaker/InferenceComponents/${components.ep.inferenceComponentName}"`);
    expect(policies).toContain(':log-group:/aws/sagemaker/InferenceComponents/');
  });

  test('an endpoint with inference components is invoked through its component: the API names it and may invoke it', () => {
    expect(components.ep.inferenceComponentName).toMatch(/-model$/);
    const grantee = new iam.Role(components.stack, 'Invoker', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    components.ep.grantInvoke(grantee);
    const role = (components.stack.node.findChild('Invoker') as iam.Role);
    const doc = components.stack.resolve((role.node.findChild('DefaultPolicy') as iam.Policy).document.toJSON()) as { Statement: { Resource: string[] }[] };
    expect(JSON.stringify(doc.Statement[0].Resource)).toContain(`inference-component/${components.ep.inferenceComponentName}`);
  });

  test('an EBS-only instance gets an ML storage volume sized for weights over 30 GB', () => {
    // SageMaker, "Endpoint parameters for large model inference": raise VolumeSizeInGB for > 30 GB on instances without local disks.
    expect(endpointVolumeGB('ml.inf2.48xlarge', 131.4)).toBe(Math.ceil(2 * 131.4 * 2 ** 30 / 1e9 + 20));
    expect(endpointVolumeGB('ml.inf2.xlarge', 14.2)).toBeUndefined();
    expect(endpointVolumeGB('ml.g6e.12xlarge', 131.4)).toBeUndefined();
  });

  test('without an instance type, the cheapest instance that holds the model with the container is chosen', () => {
    expect(agnostic.ep.placement.instanceType).toBe(agnostic.ep.estimate.candidates.filter((c) => c.acceleratorKind === 'gpu')[0].instanceType);
  });

  test('your prices choose the instance: the cheapest by your instance catalog', () => {
    const stack = new Stack(newApp(), 'OwnPrices', { env: { account: '111122223333', region: 'us-east-1' } });
    const usual = agnostic.ep.placement.instanceType;
    const second = agnostic.ep.estimate.candidates.filter((c) => c.acceleratorKind === 'gpu' && c.instanceType !== usual)[0].instanceType;
    const instances = InstanceCatalog.DEFAULT.withPrices({ source: 'our negotiated prices', usdPerHour: { [second]: 0.01 } });
    const ep = new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.huggingFace(QWEN), limits: LIMITS, instances });
    expect(ep.placement.instanceType).toBe(second);
    expect(ep.placement.priceSource).toBe('our negotiated prices');
  });

  test('a model of your own catalog is sized by its id', () => {
    const stack = new Stack(newApp(), 'OwnModels', { env: { account: '111122223333', region: 'us-east-1' } });
    const entry = ModelCatalog.DEFAULT.lookup(QWEN)!;
    if (entry.managed) throw new Error('Qwen is an open model');
    const models = ModelCatalog.DEFAULT.withModels({ ...entry.architecture, id: 'acme/support-7b' });
    const ep = new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.huggingFace('acme/support-7b'), limits: LIMITS, models });
    expect(ep.estimate.model).toBe('acme/support-7b');
    expect(ep.estimate.memory.weightsBytes).toBe(agnostic.ep.estimate.memory.weightsBytes);
  });

  test('fromEndpointAttributes grants on the named endpoint', () => {
    const stack = new Stack(newApp(), 'S', { env: { account: '111122223333', region: 'us-east-1' } });
    const imported = InferenceEndpoint.fromEndpointAttributes(stack, 'E', { endpointName: 'my-endpoint' });
    expect(imported.endpointArn).toBe('arn:aws:sagemaker:us-east-1:111122223333:endpoint/my-endpoint');
    expect(imported.variantName).toBe('AllTraffic');
    expect(imported.metricInvocations().dimensions).toEqual({ EndpointName: 'my-endpoint', VariantName: 'AllTraffic' });
    const blue = InferenceEndpoint.fromEndpointAttributes(stack, 'Blue', { endpointName: 'my-endpoint', variantName: 'Blue' });
    expect(blue.metricModelLatency().dimensions).toEqual({ EndpointName: 'my-endpoint', VariantName: 'Blue' });
  });

  test('a model package brings its own image and artifacts: no ECR grant, isolated by default', () => {
    const arn = PACKAGE_ARN;
    const template = templateOf(packaged.stack);
    const models = Object.values(template.findResources('AWS::SageMaker::Model'));
    expect(models).toHaveLength(1);
    const props = models[0].Properties;
    expect(props.PrimaryContainer.ModelPackageName).toBe(arn);
    expect(props.PrimaryContainer.Image).toBeUndefined();
    expect(props.PrimaryContainer.Environment.HF_MODEL_ID).toBe('/opt/ml/model');
    expect(props.EnableNetworkIsolation).toBe(true);
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('ecr:BatchGetImage');
  });

  test('weights from a model package without a model to size are reported', () => {
    const stack = new Stack(newApp(), 'Unsized', { env: { account: '111122223333', region: 'us-east-1' } });
    expect(() => new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.modelPackage('arn:aws:sagemaker:us-east-1:111122223333:model-package/x/1'), limits: LIMITS }))
      .toThrow(/model is missing: weights from S3 or a model package need the catalog id/);
  });

  test('metrics name the endpoint and variant', () => {
    expect(basic.ep.metricModelLatency().dimensions).toEqual({ EndpointName: basic.ep.endpointName, VariantName: 'AllTraffic' });
    expect(basic.ep.metricGpuMemoryUtilization().namespace).toBe('/aws/sagemaker/Endpoints');
  });
});

describe('InferenceEndpoint validation', () => {
  function build(props: Partial<InferenceEndpointProps>, region = 'us-east-1'): () => InferenceEndpoint {
    return () => {
      const stack = new Stack(newApp(), 'S', { env: { account: '111122223333', region } });
      return new InferenceEndpoint(stack, 'E', { source: ModelSource.huggingFace(QWEN), limits: LIMITS, ...props });
    };
  }

  test('fails when the instance is too small, naming the numbers and the cheapest that fits', () => {
    expect(build({ source: ModelSource.huggingFace('meta-llama/Llama-3.1-70B-Instruct'), instanceType: InstanceType.G5_2XLARGE, limits: { ...LIMITS, maxInputTokens: 7168, concurrency: 4 } }))
      .toThrow(/Llama-3\.1-70B-Instruct at bf16 needs 157\.1 GiB \(weights 131\.4, KV cache 10\.0, reserve 10%\); ml\.g5\.2xlarge: 1x A10G has 22\.5 GiB \(14\.8 usable at 0\.90, after the engine's 5\.4 GiB per GPU \(activations 2\.5, CUDA graphs 2\.4, context 0\.5\)\)\. Cheapest that fits with LMI \(vLLM\) and no quantization: ml\.p4d\.24xlarge \(TP 8\)\./);
  });

  test('fails when fp8 is asked of an A10G', () => {
    expect(build({ quantization: Quantization.FP8, instanceType: InstanceType.G5_2XLARGE })).toThrow(/FP8/);
  });

  test('fails when bitsandbytes is asked of a Neuron instance', () => {
    expect(build({ container: ServingContainer.NEURON, quantization: Quantization.BITSANDBYTES_NF4, instanceType: InstanceType.INF2_XLARGE })).toThrow(/bitsandbytes/i);
  });

  test('fails when vLLM is asked to quantize to AWQ at load', () => {
    expect(build({ quantization: Quantization.awq({ preQuantized: false }) })).toThrow(/serves AWQ checkpoints only and cannot quantize full-precision weights to AWQ at load/);
  });

  test('fails when a Neuron instance cannot compile the model: too little host memory, with the instance that can', () => {
    expect(build({ container: ServingContainer.NEURON, instanceType: InstanceType.INF2_XLARGE }))
      .toThrow(/ml\.inf2\.xlarge: compiling Qwen2\.5-7B-Instruct for Neuron needs about 35\.5 GiB of host memory .*ml\.inf2\.xlarge has 16 GiB\. Cheapest that fits with Hugging Face vLLM \(Neuron\) and no quantization: ml\.inf2\.8xlarge \(TP 2\)/);
  });

  test('fails when the image is not in the region\'s registry, naming the regions that have it and the SDK source', () => {
    // me-west-1 is in no SageMaker Python SDK registry; the Neuron vLLM image is in 11 regions.
    expect(build({}, 'me-west-1')).toThrow(/LMI \(vLLM\) \(djl-inference:0\.36\.0-lmi28\.0\.0-cu130\) is not in the Deep Learning Containers registry of me-west-1 \(aws\/sagemaker-python-sdk@.*djl-lmi\.json.*\); it exists in .*us-east-1/);
    expect(build({ container: ServingContainer.NEURON, instanceType: InstanceType.INF2_8XLARGE }, 'eu-south-1')).toThrow(/huggingface-vllm-inference-neuronx.* is not in the Deep Learning Containers registry of eu-south-1/);
  });

  test('a CUDA 13 image on an instance whose default driver is older pins the inference AMI with driver 580', () => {
    // SageMaker's default real-time driver is 470 on g4dn/g5 and 535 on g6; CUDA 13.0 needs 580 (lib/compatibility).
    const stack = new Stack(newApp(), 'S', { env: { account: '111122223333', region: 'us-east-1' } });
    const ep = new InferenceEndpoint(stack, 'E', { source: ModelSource.huggingFace(QWEN), limits: LIMITS, instanceType: InstanceType.G6E_XLARGE });
    expect(ep.inferenceAmiVersion).toBe('al2023-ami-sagemaker-inference-gpu-4-1');
    templateOf(stack).hasResourceProperties('AWS::SageMaker::EndpointConfig', { ProductionVariants: [Match.objectLike({ InferenceAmiVersion: 'al2023-ami-sagemaker-inference-gpu-4-1' })] });
  });

  test('fails when a GPU container is put on an Inferentia instance', () => {
    expect(build({ instanceType: InstanceType.INF2_XLARGE })).toThrow(/Neuron|Inferentia/);
  });

  test('fails when the region has no Deep Learning Containers registry the kit knows, listing the supported ones', () => {
    expect(build({}, 'eu-isoe-west-1')).toThrow(/eu-isoe-west-1[\s\S]*us-east-1/);
  });

  test('fails when the weights come from the Hub but the container is network-isolated', () => {
    expect(build({ networkIsolation: true })).toThrow(/networkIsolation is true, but the weights come from the Hugging Face Hub/);
  });

  test('fails when data capture has no dataset store, and limits are not whole numbers, reporting both', () => {
    expect(build({ dataCaptureSamplingPercentage: 20, limits: { ...LIMITS, concurrency: 0 } }))
      .toThrow(/2 problems[\s\S]*limits\.concurrency is 0[\s\S]*dataCaptureSamplingPercentage is set but datasets is not/);
  });

  test('fails when adapters are asked of a container that cannot load them', () => {
    expect(build({ container: ServingContainer.HF_TGI, datasets: undefined, inferenceComponents: { adapters: { a: 'models/a/' } } }))
      .toThrow(/adapter inference components need LMI with vLLM/);
  });

  test('fails when an instance type is not in the catalog', () => {
    expect(build({ instanceType: InstanceType.of('ml.x99.huge') })).toThrow(/instanceType "ml\.x99\.huge" is not in the instance catalog/);
  });

  test('fails when a plain endpoint is asked to scale to zero', () => {
    expect(build({ autoScaling: { minInstances: 0, maxInstances: 2 } })).toThrow(/only inference components scale to zero/);
  });

  test('fails when a fixed endpoint is given a schedule, or a variant one below 1 instance', () => {
    expect(build({ schedule: { timeZone: 'UTC', offHoursMinimum: 1 } })).toThrow(/schedule is set, but the endpoint has a fixed instance count/);
    expect(build({ autoScaling: { minInstances: 2, maxInstances: 4 }, schedule: { timeZone: 'UTC', offHoursMinimum: 0 } }))
      .toThrow(/schedule\.offHoursMinimum is 0: it is below 1 instance, and a real-time endpoint variant keeps at least 1/);
  });
});

describe('scheduled capacity', () => {
  test('instances of a variant: 4 during working hours, 1 outside them, in the schedule\'s time zone', () => {
    const { ep } = variantSchedule;
    const t = templateOf(variantSchedule.stack);
    expect(ep.scalableTarget).toBeDefined();
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', MinCapacity: 4, MaxCapacity: 8,
      ScheduledActions: [
        { ScheduledActionName: 'OffHours', Schedule: 'cron(0 22 ? * MON,TUE,WED,THU,FRI,SAT *)', Timezone: 'Europe/Berlin', ScalableTargetAction: { MinCapacity: 1 } },
        { ScheduledActionName: 'WorkingHours', Schedule: 'cron(0 7 ? * MON,TUE,WED,THU,FRI,SAT *)', Timezone: 'Europe/Berlin', ScalableTargetAction: { MinCapacity: 4 } },
      ],
    });
  });

  test('copies to 0 outside working hours: the instances go with them, and a request starts a copy again', () => {
    const t = templateOf(copiesSchedule.stack);
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount', MinCapacity: 2,
      ScheduledActions: Match.arrayWith([Match.objectLike({ ScheduledActionName: 'OffHours', Timezone: 'Asia/Tokyo', ScalableTargetAction: { MinCapacity: 0 } })]),
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { PolicyType: 'StepScaling' });
  });

  test('a schedule that would keep idle instances without a model is refused', () => {
    expect(() => scheduled('Idle', { autoScaling: { minInstances: 1, maxInstances: 2 }, inferenceComponents: {}, schedule: { timeZone: 'UTC', offHoursMinimum: 0 } }, newApp()))
      .toThrow(/schedule\.offHoursMinimum is 0: it is 0 copies, but the endpoint keeps at least 1 instance\(s\)/);
  });

  test('imported and inference-component endpoints publish invocations per component', () => {
    const { ep } = componentEndpoint;
    expect(ep.metricInvocations().dimensions).toEqual({ InferenceComponentName: ep.inferenceComponentName });
    expect(ep.metricGpuUtilization().dimensions).toEqual({ EndpointName: ep.endpointName, VariantName: 'AllTraffic' });
    expect(ep.metricCopiesReporting().namespace).toBe('/aws/sagemaker/InferenceComponents');
    const plain = InferenceEndpoint.fromEndpointAttributes(new Stack(), 'E', { endpointName: 'x' });
    expect(() => plain.metricComponentGpuUtilization()).toThrow(/published per inference component, and this endpoint hosts none/);
  });
});

describe('alarms are opt-in', () => {
  const make = () => {
    const stack = new Stack(newApp(), 'Opt', { env: { account: '111122223333', region: 'us-east-1' } });
    return { stack, ep: new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.huggingFace(QWEN), limits: LIMITS, instanceType: InstanceType.G6E_XLARGE }) };
  };

  test('an endpoint has none, and no topic, until addAlarms', () => {
    const { stack, ep } = make();
    expect(ep.alarmTopic).toBeUndefined();
    expect(Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0)).toBeUndefined();
    const topic = ep.addAlarms({ serverErrorsThreshold: 3 });
    expect(ep.alarmTopic).toBe(topic);
    expect(ep.alarms.map((a) => a.node.id)).toEqual(['ServerErrors', 'ModelLatency', 'GpuSaturated', 'HostMemory', 'Disk']);
  });

  test('a second addAlarms is refused, naming the endpoint', () => {
    const { ep } = make();
    ep.addAlarms();
    expect(() => ep.addAlarms()).toThrow(/Opt\/Endpoint: 1 problem:\n {2}- addAlarms was already called/);
  });
});

test('an endpoint sizes a model by catalog id or by architecture, never both', () => {
  const stack = new Stack(newApp(), 'Both', { env: { account: '111122223333', region: 'us-east-1' } });
  const catalogued = ModelCatalog.DEFAULT.lookup(QWEN)!;
  if (catalogued.managed) throw new Error('Qwen is an open model');
  const architecture = catalogued.architecture;
  expect(() => new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.huggingFace(QWEN), limits: LIMITS, model: QWEN, architecture }))
    .toThrow(/model is "Qwen\/Qwen2\.5-7B-Instruct" and architecture is "Qwen\/Qwen2\.5-7B-Instruct": give one, the catalog id or the architecture\./);
  const custom = new InferenceEndpoint(stack, 'Custom', { source: ModelSource.huggingFace('acme/support-7b'), limits: LIMITS, architecture: { ...architecture, id: 'acme/support-7b' } });
  expect(custom.estimate.model).toBe('acme/support-7b');
});
