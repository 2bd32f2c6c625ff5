// The SageMaker backend of the fine-tuning workflow: the training role, the plan per method (instance,
// volume, hyperparameters), the train and evaluate training jobs, the metric gate and the model registry.
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { imageAvailableIn, imageRegions } from '../../compatibility';
import { DatasetPrefix } from '../../config/dataset-layout';
import { stoppingConditionProblems } from '../../config/training-rules';
import { DEFAULT_MAX_PAIRS_PER_CALLER } from '../../datasets/preferences';
import { hasLocalNvmeStorage, ServingContainer } from '../../serving';
import { AcceleratorKind } from '../../sizing/accelerators';
import { InstanceCatalog } from '../../sizing/instances';
import { ModelCatalog } from '../../sizing/models';
import { estimateTraining, type TrainingCandidate, TrainingMethod } from '../../sizing/training';
import { type FineTuningBackendBindOptions, type FineTuningBackendConfig, ModelApproval, type SageMakerFineTuningOptions } from '../fine-tuning-backend';
import { DEFAULT_FINE_TUNING_METHODS, FineTuningMethod } from '../../config/training-rules';
import { EVALUATION, evaluationInstance, evaluationVolumeGB, TRAINING_IMAGE, trainingVolumeGB } from '../fine-tuning-plan';
import { justify } from './justifications';
import { grantLogGroups } from './endpoint-role';
import { resolveDlcImage, resolveImage } from './image';
import { accountServicePrincipal } from './principals';
import { failurePath, gateChoice, gatedPaths, jobName, stepsTask, successPath, validateStep, withDefaults } from './workflow-states';
import { trainingSourceArchive } from './training-source';

/** The instance chosen per method. */
export type TrainingPlans = Partial<Record<FineTuningMethod, TrainingCandidate>>;

/** Checks the SageMaker options and chooses an instance per method. */
export function planTraining(scope: Construct, options: SageMakerFineTuningOptions): { plans: TrainingPlans; problems: string[] } {
  const problems: string[] = [];
  const plans: TrainingPlans = {};
  const catalog = options.catalog ?? ModelCatalog.DEFAULT;
  const model = catalog.lookup(options.baseModel);
  if (!model || model.managed) {
    problems.push(`backend.baseModel "${options.baseModel}" is not an open model of the catalog; allowed: ${catalog.all().filter((m) => !m.managed).map((m) => m.id).join(', ')}. For another model, give backend.catalog: ModelCatalog.DEFAULT.withModels({ id, parameters, layers, kvHeads, headDim, ... }).`);
    return { plans, problems };
  }
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(region) && !imageAvailableIn(TRAINING_IMAGE.repository, TRAINING_IMAGE.tag, region)) {
    problems.push(`The training image ${TRAINING_IMAGE.repository}:${TRAINING_IMAGE.tag} is not in the Deep Learning Containers registry of ${region} ` +
      `(SageMaker Python SDK image_uri_config huggingface.json); it exists in ${imageRegions(TRAINING_IMAGE.repository, TRAINING_IMAGE.tag).join(', ')}.`);
  }
  const maxRuntime = options.maxRuntime ?? Duration.hours(8);
  // The rules config validation applies to maxRuntimeHours and maxWaitHours; the wait counts with spot only.
  const wait = options.spot ? options.maxWait?.toSeconds() : undefined;
  for (const p of stoppingConditionProblems(maxRuntime.toSeconds(), wait, (s) => Duration.seconds(s).toHumanString())) problems.push(`backend.${p.field} ${p.problem}: ${p.fix}.`);
  if (options.baseModelKeyPrefix !== undefined && !(options.baseModelKeyPrefix.startsWith(DatasetPrefix.MODELS) && options.baseModelKeyPrefix.endsWith('/'))) {
    problems.push(`backend.baseModelKeyPrefix "${options.baseModelKeyPrefix}" is not a folder under ${DatasetPrefix.MODELS} (e.g. "models/base/qwen2.5-7b/").`);
  }
  if (options.loraRank !== undefined && (!Number.isInteger(options.loraRank) || options.loraRank < 1 || options.loraRank > 1024)) {
    problems.push(`backend.loraRank is ${options.loraRank}; use a whole number from 1 to 1024.`);
  }
  if (options.networkIsolation && !options.baseModelKeyPrefix) {
    problems.push('backend.networkIsolation is true but the base model comes from the Hub, which an isolated job cannot reach; copy its weights under models/ and set baseModelKeyPrefix.');
  }
  const instanceType = options.instanceType?.name;
  if (instanceType !== undefined && !InstanceCatalog.DEFAULT.lookup(instanceType)) {
    problems.push(`backend.instanceType "${instanceType}" is not in the instance catalog; allowed: ${InstanceCatalog.DEFAULT.types().join(', ')}.`);
  }
  for (const method of options.methods ?? DEFAULT_FINE_TUNING_METHODS) {
    // DPO trains LoRA adapters; with peft the reference model is the frozen base itself, so it sizes like LoRA.
    const sized = method === FineTuningMethod.DPO ? TrainingMethod.LORA : (method as unknown as TrainingMethod);
    const estimate = estimateTraining({ model: options.baseModel, models: catalog, method: sized, sequenceLength: options.sequenceLength });
    const gpu = estimate.candidates.filter((c) => InstanceCatalog.DEFAULT.get(c.instanceType).accelerator.kind === AcceleratorKind.GPU);
    if (instanceType !== undefined) {
      const fits = gpu.find((c) => c.instanceType === instanceType);
      if (!fits) {
        const why = estimate.rejected.find((r) => r.instanceType === instanceType)?.reason ?? 'is not a GPU instance the training scripts run on';
        problems.push(`backend.instanceType ${instanceType} cannot train ${options.baseModel} with ${method}: ${why}. Cheapest that can: ${gpu[0] ? `${gpu[0].instanceCount} x ${gpu[0].instanceType}` : 'none; use QLoRA or a smaller model'}.`);
      } else {
        plans[method] = fits;
      }
    } else if (gpu[0]) {
      plans[method] = gpu[0];
    } else {
      problems.push(`No GPU instance in the catalog can train ${options.baseModel} with ${method} (needs ${estimate.memory.totalGiB.toFixed(1)} GiB); use QLoRA or a smaller model.`);
    }
  }
  return { plans, problems };
}

/** The role training and evaluation jobs run as: the dataset prefixes, the image, metrics, logs, the volume key. */
export function createTrainingRole(scope: Construct, options: SageMakerFineTuningOptions, bind: FineTuningBackendBindOptions): iam.IRole {
  const role = bind.jobRole ?? new iam.Role(scope, 'TrainingRole', {
    assumedBy: accountServicePrincipal(scope, 'sagemaker.amazonaws.com'),
    description: `Training and evaluation jobs of ${scope.node.path}`,
  });
  const { datasets } = bind;
  for (const prefix of [DatasetPrefix.TRAIN, DatasetPrefix.VALIDATION, DatasetPrefix.TEST, DatasetPrefix.PREFERENCES]) datasets.grantRead(role, prefix);
  datasets.grantReadWrite(role, DatasetPrefix.MODELS);
  datasets.grantWrite(role, DatasetPrefix.EVALUATION);
  const image = resolveDlcImage(scope, TRAINING_IMAGE.repository, TRAINING_IMAGE.tag);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], resources: [image.repositoryArn] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } } }));
  const { logStreams } = grantLogGroups(role, ['/aws/sagemaker/TrainingJobs']);
  if (options.vpc) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission',
        'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'],
      resources: ['*'],
    }));
  }
  // Volume encryption (VolumeKmsKeyId): SageMaker, as this role, creates a grant for the job's EBS volumes. The
  // grant is for an AWS resource, so CreateGrant takes that condition; the other actions stay without
  // kms:ViaService because SageMaker calls KMS itself with the role it assumed (a service role, not a call
  // forwarded through a service), where that key is absent.
  bind.encryptionKey.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
  iam.Grant.addToPrincipal({ grantee: role, actions: ['kms:CreateGrant'], resourceArns: [bind.encryptionKey.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
  justify(role, { kind: 'wildcard-resources', resources: ['*'], reason: 'ecr:GetAuthorizationToken, cloudwatch:PutMetricData (limited to the TrainingJobs namespace) and the VPC network-interface actions support no resource-level permissions.' });
  justify(role, { kind: 'wildcard-resources', resources: logStreams, reason: 'SageMaker names each training job\'s log streams itself, inside the TrainingJobs log group.' });
  return role;
}

/** The states of a SageMaker run: preferences from feedback, validation, a plan per method, train, evaluate, gate, register. */
export function sagemakerDefinition(scope: Construct, options: SageMakerFineTuningOptions, bind: FineTuningBackendBindOptions, jobRole: iam.IRole, plans: TrainingPlans)
  : { definition: sfn.IChainable; registry: sagemaker.CfnModelPackageGroup } {
  const stack = Stack.of(scope);
  const bucketName = bind.datasets.bucket.bucketName;
  const failure = failurePath(scope, bind.topic);
  const catchAll = (state: sfn.TaskStateBase | sfn.CustomState) => state.addCatch(failure, { errors: ['States.ALL'], resultPath: '$.error' });

  const source = new s3assets.Asset(scope, 'TrainingSource', { path: trainingSourceArchive() });
  // Exactly the archive: aws-cdk-lib's asset.grantRead would grant s3:GetObject*, GetBucket*, List* on the bucket.
  jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`arn:${stack.partition}:s3:::${source.s3BucketName}/${source.s3ObjectKey}`] }));
  const image = resolveDlcImage(scope, TRAINING_IMAGE.repository, TRAINING_IMAGE.tag);
  const maxRuntime = options.maxRuntime ?? Duration.hours(8);
  const maxWait = options.maxWait ?? Duration.seconds(maxRuntime.toSeconds() * 2);
  const volumeKey = bind.encryptionKey.keyArn;

  // One plan per method: script, instance and hyperparameters, chosen by a Choice on the input's method.
  const choosePlan = new sfn.Choice(scope, 'ChoosePlan');
  const withPlan = new sfn.Pass(scope, 'Planned');
  for (const [method, plan] of Object.entries(plans) as [FineTuningMethod, TrainingCandidate][]) {
    const nvme = hasLocalNvmeStorage(plan.instanceType);
    const dpo = method === FineTuningMethod.DPO;
    const hyperparameters: Record<string, string> = {
      sagemaker_program: dpo ? 'dpo.py' : 'train.py',
      sagemaker_submit_directory: source.s3ObjectUrl,
      'base-model-id': options.baseModel,
      // DPO trains LoRA adapters on the base; its learning rate defaults in dpo.py (5e-6), far below SFT's.
      method: dpo ? 'lora' : method,
      ...(options.epochs !== undefined ? { epochs: String(options.epochs) } : {}),
      ...(options.loraRank !== undefined && method !== FineTuningMethod.FULL ? { 'lora-r': String(options.loraRank), 'lora-alpha': String(2 * options.loraRank) } : {}),
      ...(options.learningRate !== undefined ? { 'learning-rate': String(options.learningRate) } : {}),
      [dpo ? 'max-length' : 'max-seq-length']: String(options.sequenceLength ?? 2048),
      'metrics-dir': '/opt/ml/model',
      ...(plan.instanceCount > 1 || plan.devices > 1 ? { sagemaker_torch_distributed_enabled: 'true' } : {}),
      // Full fine-tuning over several GPUs shards its states (FSDP), as the training estimate assumes.
      ...(method === FineTuningMethod.FULL && plan.devices > 1 ? { fsdp: 'true' } : {}),
    };
    const pass = new sfn.Pass(scope, `Plan-${method}`, {
      parameters: {
        program: hyperparameters.sagemaker_program,
        hyperparameters,
        resourceConfig: {
          InstanceType: plan.instanceType,
          InstanceCount: plan.instanceCount,
          VolumeSizeInGB: trainingVolumeGB(options.baseModel, method, plan.instanceCount, options.loraRank, options.catalog),
          // Instances with local NVMe storage reject a volume key; their storage is encrypted by the hardware.
          ...(nvme ? {} : { VolumeKmsKeyId: volumeKey }),
        },
      },
      resultPath: '$.plan',
    });
    choosePlan.when(sfn.Condition.stringEquals('$.method', method), pass.next(withPlan));
  }
  const unsupported = new sfn.Pass(scope, 'UnsupportedMethod', {
    parameters: { Error: 'MethodNotSupported', 'Cause.$': `States.Format('Method {} is not one of ${Object.keys(plans).join(', ')} that this workflow was built for.', $.method)` },
    resultPath: '$.error',
  });
  choosePlan.otherwise(unsupported.next(failure));

  // Weights of the base model from the dataset store (the only way in for a network-isolated job): the
  // entry scripts prefer a base_model channel over the Hub id.
  const baseModelChannel = options.baseModelKeyPrefix === undefined ? [] : [{
    ChannelName: 'base_model',
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated', S3Uri: `s3://${bucketName}/${options.baseModelKeyPrefix}` } },
  }];
  const channels = (names: Record<string, string>) => Object.entries(names).map(([name, keyPath]) => ({
    ChannelName: name,
    DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated', 'S3Uri.$': `States.Format('s3://${bucketName}/{}', ${keyPath})` } },
  }));
  const common = {
    RoleArn: jobRole.roleArn,
    AlgorithmSpecification: { TrainingImage: image.imageUri, TrainingInputMode: 'File' },
    OutputDataConfig: { KmsKeyId: bind.datasets.encryptionKey.keyArn, CompressionType: 'NONE' },
    StoppingCondition: { MaxRuntimeInSeconds: maxRuntime.toSeconds(), ...(options.spot ? { MaxWaitTimeInSeconds: maxWait.toSeconds() } : {}) },
    EnableManagedSpotTraining: options.spot ?? false,
    EnableNetworkIsolation: options.networkIsolation ?? false,
    EnableInterContainerTrafficEncryption: true,
    ...(options.vpc ? { VpcConfig: vpcConfig(scope, options) } : {}),
  };
  const train = new sfn.CustomState(scope, 'Train', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${stack.partition}:states:::sagemaker:createTrainingJob.sync`,
      Parameters: {
        ...common,
        'TrainingJobName.$': jobName('train'),
        'HyperParameters.$': '$.plan.hyperparameters',
        'ResourceConfig.$': '$.plan.resourceConfig',
        OutputDataConfig: { ...common.OutputDataConfig, S3OutputPath: `s3://${bucketName}/${DatasetPrefix.MODELS}` },
        CheckpointConfig: { 'S3Uri.$': `States.Format('s3://${bucketName}/${DatasetPrefix.MODELS}checkpoints/{}/', $$.Execution.Name)`, LocalPath: '/opt/ml/checkpoints' },
        InputDataConfig: [...channels({ train: '$.trainKey' }), ...baseModelChannel],
        Tags: [{ Key: 'workflow', Value: scope.node.path }],
      },
      ResultSelector: { 'TrainingJobName.$': '$.TrainingJobName', 'ModelS3Uri.$': '$.ModelArtifacts.S3ModelArtifacts' },
      ResultPath: '$.train',
    },
  });
  train.addRetry({ errors: ['SageMaker.AmazonSageMakerException'], interval: Duration.minutes(1), maxAttempts: 2, backoffRate: 2 });
  catchAll(train);

  const evalInstance = evaluationInstance(options.baseModel, options.catalog);
  const evaluate = new sfn.CustomState(scope, 'Evaluate', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${stack.partition}:states:::sagemaker:createTrainingJob.sync`,
      Parameters: {
        ...common,
        // Evaluation reads the model and the test split and writes metrics next to its own output: no spot.
        EnableManagedSpotTraining: false,
        StoppingCondition: { MaxRuntimeInSeconds: Duration.hours(4).toSeconds() },
        'TrainingJobName.$': jobName('eval'),
        // The generation settings the evaluation instance was sized for, sent explicitly.
        HyperParameters: {
          sagemaker_program: 'evaluate.py', sagemaker_submit_directory: source.s3ObjectUrl, 'base-model-id': options.baseModel, 'metrics-dir': '/opt/ml/model',
          'batch-size': String(EVALUATION.batchSize), 'max-input-length': String(EVALUATION.maxInputLength), 'max-new-tokens': String(EVALUATION.maxNewTokens),
        },
        ResourceConfig: { InstanceType: evalInstance, InstanceCount: 1, VolumeSizeInGB: evaluationVolumeGB(options.baseModel, options.catalog), ...(hasLocalNvmeStorage(evalInstance) ? {} : { VolumeKmsKeyId: volumeKey }) },
        OutputDataConfig: { ...common.OutputDataConfig, S3OutputPath: `s3://${bucketName}/${DatasetPrefix.EVALUATION}` },
        InputDataConfig: [
          { ChannelName: 'model', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3DataDistributionType: 'FullyReplicated', 'S3Uri.$': '$.train.ModelS3Uri' } } },
          ...channels({ test: '$.testKey' }),
          ...baseModelChannel,
        ],
        Tags: [{ Key: 'workflow', Value: scope.node.path }],
      },
      ResultSelector: { 'TrainingJobName.$': '$.TrainingJobName' },
      ResultPath: '$.evaluation',
    },
  });
  evaluate.addRetry({ errors: ['SageMaker.AmazonSageMakerException'], interval: Duration.minutes(1), maxAttempts: 2, backoffRate: 2 });
  catchAll(evaluate);

  const gated = gatedPaths(bind.gate);
  const loadMetrics = stepsTask(scope, 'LoadMetrics', bind.steps, {
    action: 'load-metrics',
    bucket: bucketName,
    'key.$': `States.Format('${DatasetPrefix.EVALUATION}{}/output/model/metrics.json', $.evaluation.TrainingJobName)`,
    required: gated.map((g) => g.path.replace(/^\$\.metrics\./, '')),
  }, '$.metrics');
  catchAll(loadMetrics);

  const registry = createRegistry(scope, bind);
  const approvalStatus = bind.approval === ModelApproval.AUTOMATIC ? 'Approved' : 'PendingManualApproval';
  const serving = resolveImage(scope, ServingContainer.LMI_VLLM);
  const register = new tasks.CallAwsService(scope, 'Register', {
    service: 'sagemaker',
    action: 'createModelPackage',
    parameters: {
      ModelPackageGroupName: registry.modelPackageGroupName!,
      ModelPackageDescription: sfn.JsonPath.format('Fine-tuned by {} ({})', sfn.JsonPath.executionName, sfn.JsonPath.stringAt('$.method')),
      ModelApprovalStatus: approvalStatus,
      InferenceSpecification: {
        Containers: [{
          Image: serving.imageUri,
          ModelDataSource: { S3DataSource: { S3Uri: sfn.JsonPath.stringAt('$.train.ModelS3Uri'), S3DataType: 'S3Prefix', CompressionType: 'None' } },
          // LMI's async mode (no option.rolling_batch) serves the uncompressed weights as they are.
          Environment: { HF_MODEL_ID: '/opt/ml/model' },
        }],
        SupportedContentTypes: ['application/json'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: sfn.JsonPath.stringAt('$.metrics.s3Uri') } } },
    },
    iamResources: [
      stack.formatArn({ service: 'sagemaker', resource: 'model-package-group', resourceName: registry.modelPackageGroupName! }),
      packageVersionsArn(stack, registry),
    ],
    // The approval status goes in the output too: `fine-tune watch` says what is left to do with the package.
    resultSelector: { 'ModelPackageArn.$': '$.ModelPackageArn', ModelApprovalStatus: approvalStatus },
    resultPath: '$.registered',
  });
  catchAll(register);

  const success = successPath(scope, bind.topic, bind.approval);
  const gate = gateChoice(scope, gated, register.next(success), failure);

  const buildPreferences = stepsTask(scope, 'BuildPreferences', bind.steps, {
    action: 'build-preferences',
    bucket: bucketName,
    feedbackPrefix: DatasetPrefix.FEEDBACK,
    maxPairsPerCaller: bind.maxPreferencePairsPerCaller ?? DEFAULT_MAX_PAIRS_PER_CALLER,
    // Outside train/: a file the workflow writes must never match the upload trigger and start another run.
    'outputKey.$': `States.Format('${DatasetPrefix.PREFERENCES}{}.jsonl', $$.Execution.Name)`,
  }, '$.preferences');
  catchAll(buildPreferences);
  const usePreferences = new sfn.Pass(scope, 'UsePreferences', { parameters: { 'trainKey.$': '$.preferences.trainKey' }, resultPath: '$.built' });
  const merge = new sfn.Pass(scope, 'Merge', { parameters: { 'input.$': 'States.JsonMerge($, $.built, false)' }, outputPath: '$.input' });

  const validate = validateStep(scope, bind.steps, bucketName, ['train', 'test']);
  catchAll(validate);

  const fromFeedback = new sfn.Choice(scope, 'FromFeedback')
    .when(sfn.Condition.booleanEquals('$.fromFeedback', true), buildPreferences.next(usePreferences).next(merge).next(validate))
    .otherwise(validate);
  validate.next(choosePlan);
  withPlan.next(train);
  train.next(evaluate);
  evaluate.next(loadMetrics);
  loadMetrics.next(gate);
  return { definition: withDefaults(scope, bind.defaultKeys, fromFeedback), registry };
}

/**
 * What the state machine needs for the jobs: creating and stopping only jobs tagged with this workflow, the
 * .sync integration's managed rule, passing exactly the job role to SageMaker, and reading the outputs.
 */
export function grantTrainingStateMachine(scope: Construct, role: iam.IRole, bind: FineTuningBackendBindOptions, config: FineTuningBackendConfig): void {
  const stack = Stack.of(scope);
  // Job names are only known at run time, but every job this workflow creates carries its `workflow` tag:
  // it may create jobs only with that tag, and stop only jobs that have it.
  const jobs = [stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' })];
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['sagemaker:CreateTrainingJob', 'sagemaker:AddTags'], resources: jobs,
    conditions: { StringEquals: { 'aws:RequestTag/workflow': scope.node.path } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob'], resources: jobs,
    conditions: { StringEquals: { 'aws:ResourceTag/workflow': scope.node.path } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
    resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTrainingJobsRule' })],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [config.jobRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }));
  bind.datasets.grantRead(role, DatasetPrefix.MODELS);
  bind.datasets.grantRead(role, DatasetPrefix.EVALUATION);
  justify(role, { kind: 'wildcard-resources', resources: jobs, reason: 'Each execution names its jobs <execution>-train and -eval; job names are only known at run time.' });
  if (config.registry) justify(role, { kind: 'wildcard-resources', resources: [packageVersionsArn(stack, config.registry)], reason: 'Model package versions are numbered by SageMaker within this group.' });
}

function packageVersionsArn(stack: Stack, registry: sagemaker.CfnModelPackageGroup): string {
  return stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName: `${registry.modelPackageGroupName}/*` });
}

function createRegistry(scope: Construct, bind: FineTuningBackendBindOptions): sagemaker.CfnModelPackageGroup {
  const group = new sagemaker.CfnModelPackageGroup(scope, 'Registry', {
    modelPackageGroupName: `${scope.node.path.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 50)}-${scope.node.addr.slice(0, 8)}`,
    modelPackageGroupDescription: `Models tuned by ${scope.node.path}, with their evaluation metrics`,
  });
  group.applyRemovalPolicy(bind.removalPolicy);
  return group;
}

function vpcConfig(scope: Construct, options: SageMakerFineTuningOptions): Record<string, unknown> {
  const subnets = options.vpc!.selectSubnets(options.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  const groups = options.securityGroups ?? [new ec2.SecurityGroup(scope, 'SecurityGroup', { vpc: options.vpc!, description: 'Training jobs: egress only', allowAllOutbound: true })];
  return { Subnets: subnets.subnetIds, SecurityGroupIds: groups.map((g) => g.securityGroupId) };
}
