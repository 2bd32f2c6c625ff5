// Reads a synthesized cloud assembly the way CloudFormation would deploy it: each stage's templates with their
// intrinsic functions resolved to the values a deployment gives (names, ARNs, cross-stack outputs), so the
// state machines, Lambda functions and EventBridge rules can be run offline exactly as synthesized.
//
// Physical ids are made up but shaped like the real ones (a bucket name, a topic ARN, a function ARN), and
// the same logical id always gets the same id. An account-agnostic stack is given the AWS documentation's
// example account.
import * as path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';

/** The example account of the AWS documentation, for stacks synthesized without an account. */
export const SIMULATED_ACCOUNT = '111122223333';

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

/** One deployed stack of a stage. */
export interface DeployedStack {
  readonly stackName: string;
  /** The construct path of the stack, e.g. `Staging/Adaptation`. */
  readonly displayName: string;
  readonly region: string;
  readonly account: string;
  readonly template: CfnTemplate;
  /** The folder the template's asset paths are relative to. */
  readonly directory: string;
}

/** A state machine as deployed: its definition parsed from the resolved DefinitionString. */
export interface DeployedStateMachine {
  readonly stack: DeployedStack;
  readonly logicalId: string;
  /** The construct path, e.g. `Staging/Adaptation/FineTuning/Resource`. */
  readonly path: string;
  readonly arn: string;
  readonly definition: Record<string, unknown>;
}

/** A Lambda function whose code is a local asset folder (the kit's bundles). */
export interface DeployedFunction {
  readonly arn: string;
  readonly path: string;
  readonly handler: string;
  readonly codeDirectory: string;
  readonly environment: Readonly<Record<string, string>>;
}

/** An EventBridge rule with its resolved pattern and targets. */
export interface DeployedRule {
  readonly path: string;
  readonly eventPattern: Record<string, unknown>;
  readonly targets: readonly DeployedRuleTarget[];
}

export interface DeployedRuleTarget {
  readonly arn: string;
  /** A constant input (Input). */
  readonly input?: string;
  readonly inputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string };
}

/** The stacks of one stage, resolved. */
export class DeployedStage {
  /** Reads stage `stageId` (e.g. `Staging`) of the cloud assembly in `assemblyDir`. */
  static read(assemblyDir: string, stageId: string): DeployedStage {
    return DeployedStage.fromAssembly(new cxapi.CloudAssembly(assemblyDir, { topoSort: false }), stageId);
  }

  static fromAssembly(assembly: cxapi.CloudAssembly, stageId: string): DeployedStage {
    const nested = assembly.nestedAssemblies.find((a) => a.displayName === stageId || a.id === `assembly-${stageId}`);
    if (!nested) {
      const known = assembly.nestedAssemblies.map((a) => a.displayName);
      throw new Error(`The assembly has no stage "${stageId}"; it has ${known.length > 0 ? known.join(', ') : 'none'}.`);
    }
    const stacks = nested.nestedAssembly.stacks.map((s): DeployedStack => ({
      stackName: s.stackName,
      displayName: s.displayName,
      region: s.environment.region === cxapi.UNKNOWN_REGION ? 'us-east-1' : s.environment.region,
      account: s.environment.account === cxapi.UNKNOWN_ACCOUNT ? SIMULATED_ACCOUNT : s.environment.account,
      template: s.template as CfnTemplate,
      directory: s.assembly.directory,
    }));
    return new DeployedStage(stageId, stacks);
  }

  private constructor(readonly id: string, readonly stacks: readonly DeployedStack[]) {}

  get stateMachines(): DeployedStateMachine[] {
    return this.resourcesOfType('AWS::StepFunctions::StateMachine').map(({ stack, logicalId, resource }) => {
      const definition = this.resolve(stack, resource.Properties?.DefinitionString);
      if (typeof definition !== 'string') throw new Error(`${stack.stackName}/${logicalId} has no DefinitionString.`);
      return {
        stack, logicalId, path: cdkPath(resource, logicalId),
        arn: String(this.resolve(stack, { Ref: logicalId })),
        definition: JSON.parse(definition) as Record<string, unknown>,
      };
    });
  }

  get functions(): DeployedFunction[] {
    return this.resourcesOfType('AWS::Lambda::Function').flatMap(({ stack, logicalId, resource }) => {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string') return [];
      const variables = (this.resolve(stack, resource.Properties?.Environment) as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
      return [{
        arn: String(this.resolve(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] })),
        path: cdkPath(resource, logicalId),
        handler: String(resource.Properties?.Handler ?? 'index.handler'),
        codeDirectory: path.resolve(stack.directory, assetPath),
        environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
      }];
    });
  }

  get rules(): DeployedRule[] {
    return this.resourcesOfType('AWS::Events::Rule').map(({ stack, logicalId, resource }) => {
      const props = this.resolve(stack, resource.Properties) as { EventPattern?: Record<string, unknown>; Targets?: { Arn: string; Input?: string; InputTransformer?: DeployedRuleTarget['inputTransformer'] }[] };
      return {
        path: cdkPath(resource, logicalId),
        eventPattern: props.EventPattern ?? {},
        targets: (props.Targets ?? []).map((t) => ({ arn: t.Arn, input: t.Input, inputTransformer: t.InputTransformer })),
      };
    });
  }

  /** The first resource whose construct path ends with `suffix` (e.g. `FineTuning/Topic/Resource`). */
  physicalId(pathSuffix: string, attribute?: string): string {
    for (const { stack, logicalId, resource } of this.allResources()) {
      if (cdkPath(resource, logicalId).endsWith(pathSuffix)) {
        return String(this.resolve(stack, attribute ? { 'Fn::GetAtt': [logicalId, attribute] } : { Ref: logicalId }));
      }
    }
    throw new Error(`No resource at a path ending in ${pathSuffix}.`);
  }

  /** Resolves CloudFormation intrinsic functions in `value` as a deployment of `stack` would. */
  resolve(stack: DeployedStack, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(stack, v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0];
      const intrinsic = this.intrinsic(stack, fn, arg);
      if (intrinsic !== NOT_INTRINSIC) return intrinsic;
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(stack, v)]));
  }

  private intrinsic(stack: DeployedStack, fn: string, arg: unknown): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(stack, String(arg));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/s);
        return this.getAtt(stack, logicalId, attribute);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return (this.resolve(stack, parts) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (this.resolve(stack, list) as unknown[])[Number(this.resolve(stack, index))];
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return String(this.resolve(stack, source)).split(separator);
      }
      case 'Fn::Sub': {
        const [template, vars] = Array.isArray(arg) ? arg as [string, Record<string, unknown>] : [String(arg), {}];
        return template.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (name in vars) return String(this.resolve(stack, vars[name]));
          const [logicalId, attribute] = name.split(/\.(.*)/s);
          return String(attribute === undefined ? this.ref(stack, logicalId) : this.getAtt(stack, logicalId, attribute));
        });
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = this.resolve(stack, arg) as string[];
        return stack.template.Mappings?.[map]?.[top]?.[second];
      }
      case 'Fn::ImportValue':
        return this.importValue(String(this.resolve(stack, arg)));
      case 'Fn::GetStackOutput': {
        const { StackName, OutputName } = this.resolve(stack, arg) as { StackName: string; OutputName: string };
        const source = this.stacks.find((s) => s.stackName === StackName);
        const output = source?.template.Outputs?.[OutputName];
        if (!source || !output) throw new Error(`Fn::GetStackOutput: ${StackName} has no output ${OutputName}.`);
        return this.resolve(source, output.Value);
      }
      default:
        return NOT_INTRINSIC;
    }
  }

  private importValue(name: string): unknown {
    for (const s of this.stacks) {
      for (const output of Object.values(s.template.Outputs ?? {})) {
        if (output.Export && this.resolve(s, output.Export.Name) === name) return this.resolve(s, output.Value);
      }
    }
    throw new Error(`Fn::ImportValue: no stack of the stage exports ${name}.`);
  }

  private ref(stack: DeployedStack, name: string): unknown {
    switch (name) {
      case 'AWS::Partition': return partitionOf(stack.region);
      case 'AWS::Region': return stack.region;
      case 'AWS::AccountId': return stack.account;
      case 'AWS::StackName': return stack.stackName;
      case 'AWS::URLSuffix': return partitionOf(stack.region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
      case 'AWS::NoValue': return undefined;
      default: break;
    }
    const resource = stack.template.Resources?.[name];
    if (!resource) return `${name}-parameter`;
    return physicalRef(stack, name, resource, (v) => this.resolve(stack, v));
  }

  private getAtt(stack: DeployedStack, logicalId: string, attribute: string): unknown {
    const resource = stack.template.Resources?.[logicalId];
    if (!resource) throw new Error(`Fn::GetAtt: ${stack.stackName} has no resource ${logicalId}.`);
    const ref = String(this.ref(stack, logicalId));
    if (attribute !== 'Arn') {
      if (resource.Type === 'AWS::StepFunctions::StateMachine' && attribute === 'Name') return ref.slice(ref.lastIndexOf(':') + 1);
      // Service-generated ids (KnowledgeBaseId, DataSourceId, ...): ten upper-case letters and digits, as Bedrock's.
      if (attribute.endsWith('Id')) return `${logicalId}${attribute}`.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(-10);
      return `${ref}.${attribute}`;
    }
    const arn = (service: string, resourcePart: string, regional = true) => `arn:${partitionOf(stack.region)}:${service}:${regional ? stack.region : ''}:${stack.account}:${resourcePart}`;
    switch (resource.Type) {
      case 'AWS::Lambda::Function': return arn('lambda', `function:${ref}`);
      case 'AWS::IAM::Role': return arn('iam', `role/${ref}`, false);
      case 'AWS::KMS::Key': return arn('kms', `key/${ref}`);
      case 'AWS::S3::Bucket': return `arn:${partitionOf(stack.region)}:s3:::${ref}`;
      case 'AWS::SQS::Queue': return arn('sqs', ref.slice(ref.lastIndexOf('/') + 1));
      case 'AWS::Logs::LogGroup': return arn('logs', `log-group:${ref}:*`);
      default: return ref.startsWith('arn:') ? ref : arn(serviceOf(resource.Type), ref);
    }
  }

  private *allResources(): Generator<{ stack: DeployedStack; logicalId: string; resource: CfnResource }> {
    for (const stack of this.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) yield { stack, logicalId, resource };
    }
  }

  private resourcesOfType(type: string) {
    return [...this.allResources()].filter((r) => r.resource.Type === type);
  }
}

const NOT_INTRINSIC = Symbol('not an intrinsic function');

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function serviceOf(type: string): string {
  return type.split('::')[1].toLowerCase();
}

function cdkPath(resource: CfnResource, logicalId: string): string {
  const p = resource.Metadata?.['aws:cdk:path'];
  return typeof p === 'string' ? p : logicalId;
}

/** What `Ref` returns for a resource: its own name property when the template sets one, else a generated name. */
function physicalRef(stack: DeployedStack, logicalId: string, resource: CfnResource, resolve: (v: unknown) => unknown): string {
  const props = resource.Properties ?? {};
  const named = (key: string) => (props[key] === undefined ? undefined : String(resolve(props[key])));
  const generated = `${stack.stackName}-${logicalId}`.slice(0, 56);
  const arn = (service: string, part: string) => `arn:${partitionOf(stack.region)}:${service}:${stack.region}:${stack.account}:${part}`;
  switch (resource.Type) {
    case 'AWS::S3::Bucket': return named('BucketName') ?? generated.toLowerCase();
    case 'AWS::SNS::Topic': return arn('sns', named('TopicName') ?? generated);
    case 'AWS::SQS::Queue': return `https://sqs.${stack.region}.amazonaws.com/${stack.account}/${named('QueueName') ?? generated}`;
    case 'AWS::StepFunctions::StateMachine': return arn('states', `stateMachine:${named('StateMachineName') ?? generated}`);
    case 'AWS::Lambda::Function': return named('FunctionName') ?? generated;
    case 'AWS::IAM::Role': return named('RoleName') ?? generated;
    case 'AWS::KMS::Key': return `${logicalId.toLowerCase().padEnd(8, '0').slice(0, 8)}-0000-4000-8000-${stack.account}`;
    case 'AWS::Logs::LogGroup': return named('LogGroupName') ?? `/simulated/${generated}`;
    case 'AWS::SageMaker::ModelPackageGroup': return named('ModelPackageGroupName') ?? generated;
    case 'AWS::Bedrock::KnowledgeBase': return `KB${logicalId.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 8)}`;
    default: return generated;
  }
}
