// Composes the kit's constructs for one environment from its validated config: one CDK Stage per
// environment, so `cdk deploy 'Dev/*'` deploys exactly one of them.
import { CfnOutput, Duration, RemovalPolicy, Stack, Stage, type StageProps, Tags } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ApiAuthorizationMode, DataRemoval, type EnvironmentConfig, FineTuningService, type UseCaseScope } from './config/environment';
import { callerLocation, catalogOf, ConfigError, validateEnvironments } from './config/validate';
import { resolveLocalPaths } from './config/local-paths';
import { BedrockModel, BedrockModelSource } from './constructs/bedrock-model';
import { DatasetStore } from './constructs/dataset-store';
import { FineTuningBackend, ModelApproval } from './constructs/fine-tuning-backend';
import { FineTuningWorkflow } from './constructs/fine-tuning-workflow';
import { ApiAuthorization } from './constructs/api-authorization';
import { ApiBackend } from './constructs/api-backend';
import { GenerativeApi } from './constructs/generative-api';
import { InferenceEndpoint } from './constructs/inference-endpoint';
import { ModelSource } from './constructs/model-source';
import { KnowledgeBase } from './constructs/knowledge-base';
import { EnvironmentBudget } from './constructs/environment-budget';
import { LifecycleDashboard } from './constructs/lifecycle-dashboard';
import { ModelOptimizationRole } from './constructs/model-optimization-role';
import { type ModelArchitecture, ModelCatalog } from './sizing/models';
import { estimateServing, type ServingEstimate } from './sizing/serving';
import { justify } from './constructs/private/justifications';
import { PropsError } from './constructs/private/problems';
import { addPolicyChecks } from './validation/policy-checks';

export interface GenAiLifecycleStageProps extends StageProps {
  /** The environment definition; validated before anything is built. */
  readonly config: EnvironmentConfig;
  /**
   * Register cdk-nag AwsSolutions and the Control Tower guard rules on this stage.
   * @default true
   */
  readonly policyChecks?: boolean;
}

/** Every resource of the lifecycle for one environment. */
export class GenAiLifecycleStage extends Stage {
  readonly config: EnvironmentConfig;
  /** Stateful data: the dataset store and its keys. Deployed first, never replaced lightly. */
  readonly dataStack: Stack;
  readonly datasets: DatasetStore;
  /**
   * Serving: the model endpoint or Bedrock model, and the roles around it. Stateless; replaceable.
   * Undefined until the scope names a model.
   */
  readonly servingStack?: Stack;
  /** The Bedrock model, when the scope's model is a Bedrock id. */
  readonly bedrockModel?: BedrockModel;
  /** The SageMaker endpoint, when the scope's model is an open model. */
  readonly endpoint?: InferenceEndpoint;
  /** Fine-tuning: the workflow and its registry. Undefined without `adaptation` settings. */
  readonly adaptationStack?: Stack;
  readonly fineTuning?: FineTuningWorkflow;
  /** Retrieval augmentation over documents/, when the API asks for it. */
  readonly knowledgeBase?: KnowledgeBase;
  /** The generative API, when the scope names a model. */
  readonly api?: GenerativeApi;
  /** The role optimization jobs run as, when the scope's model is an open model. */
  readonly optimizationRole?: ModelOptimizationRole;
  /** Operations: the dashboard and the budget. Undefined when there is neither. */
  readonly operationsStack?: Stack;
  /** The environment's CloudWatch dashboard, unless `operations.dashboard` is false. */
  readonly dashboard?: LifecycleDashboard;
  /** The environment's cost budget, with `operations.monthlyBudgetUsd`. */
  readonly budget?: EnvironmentBudget;
  /**
   * The serving estimate of the scope's model (memory, fitting instances, the cheapest), from which
   * endpoints take their sizes; undefined for a Bedrock model or when no model is chosen yet.
   *
   * TypeScript and JavaScript only, as ServingEstimate is.
   *
   * @jsii ignore
   */
  readonly servingEstimate?: ServingEstimate;

  constructor(scope: Construct, id: string, props: GenAiLifecycleStageProps) {
    if (props.env !== undefined) {
      throw new PropsError(id, ['env is set, but a stage takes its account and region from config.account and config.region: remove env.']);
    }
    // Every problem of the definition at once, the seed folder's included, naming the caller's own source.
    const problems = validateEnvironments([props.config]);
    const local = resolveLocalPaths([props.config], process.cwd());
    if (problems.length + local.problems.length > 0) {
      const at = callerLocation();
      throw new ConfigError([...problems, ...local.problems], `the config of GenAiLifecycleStage "${id}"${at ? `, ${at}` : ''}`);
    }
    const config = local.envs[0];
    super(scope, id, { ...props, env: { account: config.account, region: config.region } });
    this.config = config;
    const catalog = catalogOf(config);
    this.servingEstimate = estimateScope(config.scope, catalog);
    if (props.policyChecks ?? true) addPolicyChecks(this, { production: config.production });

    const production = config.production ?? false;
    const removalPolicy = config.dataRemoval === DataRemoval.RETAIN ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.dataStack = new Stack(this, 'Data', {
      description: `genai-lifecycle-cdk ${config.name}: datasets, feedback, captures, documents and model artifacts`,
      terminationProtection: production,
    });
    this.datasets = new DatasetStore(this.dataStack, 'Datasets', {
      removalPolicy,
      autoDeleteObjects: config.dataRemoval === DataRemoval.DESTROY,
      noncurrentVersionExpiration: Duration.days(config.datasets?.noncurrentVersionExpirationDays ?? 90),
      accessLogRetention: Duration.days(config.datasets?.accessLogRetentionDays ?? 365),
      interactionRetention: config.datasets?.interactionRetentionDays === undefined ? undefined : Duration.days(config.datasets.interactionRetentionDays),
      seed: config.datasets?.seed && { ...config.datasets.seed, logRetention: config.logRetentionDays as logs.RetentionDays },
    });

    new CfnOutput(this.dataStack, 'DatasetBucketName', { value: this.datasets.bucket.bucketName });

    const model = config.scope.model === undefined ? undefined : catalog.lookup(config.scope.model);
    if (model) {
      const servingStack = new Stack(this, 'Serving', { description: `genai-lifecycle-cdk ${config.name}: serving ${model.id}` });
      this.servingStack = servingStack;
      if (model.managed) {
        this.bedrockModel = new BedrockModel(servingStack, 'Model', {
          source: config.serving?.crossRegion
            ? BedrockModelSource.crossRegion(config.serving.crossRegion, model.id)
            : BedrockModelSource.foundationModel(model.id),
        });
      } else {
        // A model of the environment's own `models` goes to the endpoint as its architecture: the default catalog lacks it.
        const custom = !model.managed && ModelCatalog.DEFAULT.lookup(model.id) === undefined ? model.architecture : undefined;
        this.endpoint = this.createEndpoint(servingStack, config, model.id, custom);
        this.optimizationRole = new ModelOptimizationRole(servingStack, 'OptimizationRole', { datasets: this.datasets });
        new CfnOutput(servingStack, 'OptimizationRoleArn', { value: this.optimizationRole.roleArn, description: 'Pass to `npm run optimize -- --role`' });
        new CfnOutput(servingStack, 'EndpointName', { value: this.endpoint.endpointName });
      }
      const retrieval = config.serving?.api?.retrieval;
      if (retrieval) {
        this.knowledgeBase = new KnowledgeBase(servingStack, 'KnowledgeBase', {
          datasets: this.datasets,
          embeddingModelId: retrieval.embeddingModelId,
          ingestOnUpload: retrieval.ingestOnUpload,
          removalPolicy,
          logRetention: config.logRetentionDays as logs.RetentionDays,
        });
        new CfnOutput(servingStack, 'KnowledgeBaseId', { value: this.knowledgeBase.knowledgeBaseId, description: 'Pass to `npm run ingest -- --knowledge-base`' });
        new CfnOutput(servingStack, 'DataSourceId', { value: this.knowledgeBase.dataSourceId, description: 'Pass to `npm run ingest -- --data-source`' });
      }
      this.api = this.createApi(servingStack, config, model.id, removalPolicy);
      new CfnOutput(servingStack, 'ApiUrl', { value: this.api.url, description: 'Pass to `npm run invoke -- --url`' });
    }

    if (config.adaptation) {
      this.adaptationStack = new Stack(this, 'Adaptation', { description: `genai-lifecycle-cdk ${config.name}: fine-tuning, evaluation and registry` });
      this.fineTuning = this.createFineTuning(this.adaptationStack, config, removalPolicy, catalog);
      new CfnOutput(this.adaptationStack, 'FineTuningStateMachineArn', { value: this.fineTuning.stateMachine.stateMachineArn, description: 'Pass to `npm run fine-tune -- start --state-machine`' });
    }

    const dashboard = config.operations?.dashboard ?? true;
    const monthlyBudget = config.operations?.monthlyBudgetUsd;
    if (dashboard || monthlyBudget !== undefined) {
      this.operationsStack = new Stack(this, 'Operations', { description: `genai-lifecycle-cdk ${config.name}: dashboard and budget` });
    }
    if (dashboard) {
      this.dashboard = new LifecycleDashboard(this.operationsStack!, 'Dashboard', {
        dashboardName: `genai-lifecycle-${config.name}`,
        api: this.api, endpoint: this.endpoint, bedrockModel: this.bedrockModel, fineTuning: this.fineTuning, knowledgeBase: this.knowledgeBase,
      });
      new CfnOutput(this.operationsStack!, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });
    }
    if (monthlyBudget !== undefined) {
      // The stage tags every resource `environment: <name>` (below): the budget counts what carries that tag.
      this.budget = new EnvironmentBudget(this.operationsStack!, 'Budget', { monthlyLimitUsd: monthlyBudget, tagKey: 'environment', tagValue: config.name });
      new CfnOutput(this.operationsStack!, 'BudgetAlertTopicArn', { value: this.budget.topic.topicArn, description: 'Subscribe to receive budget alerts' });
    }

    if (!production && config.logRetentionDays < 365) {
      justify(this, {
        kind: 'log-retention-under-a-year',
        reason: `${config.name} is not a production environment and keeps logs ${config.logRetentionDays} days by its definition (logRetentionDays); production environments must keep 365 or more, which config validation enforces.`,
      });
    }

    Tags.of(this).add('environment', config.name);
    Tags.of(this).add('managed-by', 'genai-lifecycle-cdk');
    for (const [key, value] of Object.entries(config.tags ?? {})) Tags.of(this).add(key, value);
  }

  private createFineTuning(scope: Stack, config: EnvironmentConfig, removalPolicy: RemovalPolicy, catalog: ModelCatalog): FineTuningWorkflow {
    const a = config.adaptation!;
    const baseModel = a.baseModel ?? config.scope.model!;
    return new FineTuningWorkflow(scope, 'FineTuning', {
      datasets: this.datasets,
      backend: a.backend === FineTuningService.BEDROCK
        ? FineTuningBackend.bedrock({ baseModelId: baseModel })
        : FineTuningBackend.sagemaker({
          baseModel,
          catalog,
          methods: a.methods,
          instanceType: a.instanceType,
          spot: a.spot,
          maxRuntime: a.maxRuntimeHours === undefined ? undefined : Duration.hours(a.maxRuntimeHours),
          maxWait: a.maxWaitHours === undefined ? undefined : Duration.hours(a.maxWaitHours),
        }),
      gate: a.gate,
      // Production models wait for a person; elsewhere a model that passes the gate is approved at once.
      approval: config.production ? ModelApproval.MANUAL : ModelApproval.AUTOMATIC,
      defaultKeys: { validationKey: a.validationKey, testKey: a.testKey },
      trigger: a.trigger,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
  }

  private createApi(scope: Stack, config: EnvironmentConfig, modelId: string, removalPolicy: RemovalPolicy): GenerativeApi {
    const settings = config.serving?.api ?? {};
    const auth = settings.authorization ?? ApiAuthorizationMode.IAM;
    const { scope: useCase } = config;
    return new GenerativeApi(scope, 'Api', {
      backend: this.bedrockModel ? ApiBackend.bedrock(this.bedrockModel, { displayName: modelId }) : ApiBackend.endpoint(this.endpoint!, { displayName: modelId }),
      datasets: this.datasets,
      limits: { maxInputTokens: useCase.maxInputTokens, maxOutputTokens: useCase.maxOutputTokens },
      // The scope's peak rate for the stage; bursts up to twice the concurrency it was sized for.
      throttling: { rateLimit: useCase.peakRequestsPerSecond ?? useCase.concurrency, burstLimit: Math.max(1, 2 * useCase.concurrency) },
      authorization: auth === ApiAuthorizationMode.IAM ? ApiAuthorization.iam() : auth === ApiAuthorizationMode.API_KEY ? ApiAuthorization.apiKeys()
        : ApiAuthorization.cognito(cognito.UserPool.fromUserPoolArn(scope, 'UserPool', settings.cognitoUserPoolArn!)),
      promptTemplates: settings.promptTemplates,
      retrieval: this.knowledgeBase ? { knowledgeBase: this.knowledgeBase, results: settings.retrieval?.results, byDefault: settings.retrieval?.byDefault } : undefined,
      tools: settings.tools,
      guardrail: settings.guardrail ? {} : undefined,
      waf: (settings.waf ?? config.production) ? {} : undefined,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: removalPolicy,
    });
  }

  private createEndpoint(scope: Stack, config: EnvironmentConfig, modelId: string, architecture?: ModelArchitecture): InferenceEndpoint {
    const settings = config.serving?.endpoint ?? {};
    const weights = settings.weights;
    // Config validation has checked that exactly one of huggingFaceId and datasetKeyPrefix is given.
    const source = weights?.datasetKeyPrefix !== undefined ? ModelSource.fromDatasetStore(this.datasets, weights.datasetKeyPrefix)
      : ModelSource.huggingFace(weights?.huggingFaceId ?? modelId, { revision: weights?.revision });
    const minInstances = settings.minInstances ?? 1;
    const maxInstances = settings.maxInstances ?? Math.max(1, minInstances);
    const components = settings.inferenceComponents;
    const endpoint = new InferenceEndpoint(scope, 'Endpoint', {
      source,
      model: architecture ? undefined : modelId,
      architecture,
      container: settings.container,
      quantization: settings.quantization,
      instanceType: settings.instanceType,
      // At the least scale, the instances (or the copies) together decode the scope's peak concurrency.
      limits: {
        maxInputTokens: config.scope.maxInputTokens,
        maxOutputTokens: config.scope.maxOutputTokens,
        concurrency: Math.ceil(config.scope.concurrency / Math.max(1, components ? components.minCopies ?? 1 : minInstances)),
      },
      datasets: this.datasets,
      dataCaptureSamplingPercentage: settings.dataCapturePercent,
      // Inference components always run on a managed pool of instances, between these bounds.
      autoScaling: components || maxInstances > minInstances || minInstances > 1 ? { minInstances, maxInstances } : undefined,
      inferenceComponents: components && { minCopies: components.minCopies, maxCopies: components.maxCopies },
      schedule: settings.schedule,
    });
    if (settings.alarms !== false) endpoint.addAlarms();
    return endpoint;
  }
}

/** The scope's serving needs: context is the whole prompt budget plus the answer, at peak concurrency. */
export function estimateScope(scope: UseCaseScope, catalog = ModelCatalog.DEFAULT): ServingEstimate | undefined {
  if (scope.model === undefined || catalog.lookup(scope.model)?.managed !== false) return undefined;
  return estimateServing({
    model: scope.model,
    models: catalog,
    precision: scope.precision ?? 'bf16',
    contextTokens: scope.maxInputTokens + scope.maxOutputTokens,
    concurrency: scope.concurrency,
  });
}
