// The fixture cloud assemblies of test/fixtures/review (see its README), read once per test file, and builders of
// small templates shaped as the kit synthesizes them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCloudAssembly, type AssemblyReader, type CfnResource, type CloudAssembly, type EnvironmentAssembly, type StackTemplate } from '../../scripts/lib/review';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'review');
export const HEAD_DIR = join(FIXTURES, 'head');
export const BASE_DIR = join(FIXTURES, 'base');

export function reader(dir: string): AssemblyReader {
  return (relativePath) => {
    const file = join(dir, relativePath);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
}

export function load(dir: string): CloudAssembly {
  return readCloudAssembly(reader(dir));
}

export function environment(assembly: CloudAssembly, name: string): EnvironmentAssembly {
  const env = assembly.environments.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name}`);
  return env;
}

/** Rounds as the CLI's JSON does (4 decimals), so expected numbers are written as arithmetic. */
export function round4(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}

/** A stack of the given resources, as readCloudAssembly returns it. */
export function stackOf(stackName: string, resources: Record<string, CfnResource>): StackTemplate {
  return { artifactId: stackName.replace(/-/g, ''), stackName, displayName: stackName.replace(/-/g, '/'), acknowledgements: [], template: { Resources: resources } };
}

export interface ApiStackOptions {
  readonly backend?: 'bedrock' | 'sagemaker';
  /** MODEL_ID: a literal, or an intrinsic. @default - a GetAtt of the application inference profile `Profile` */
  readonly modelId?: unknown;
  /** The stage's ThrottlingRateLimit. @default 1 */
  readonly rate?: unknown;
  readonly knowledgeBase?: 's3-vectors' | 'opensearch-serverless';
  /** More variables of the handler's environment. */
  readonly variables?: Record<string, unknown>;
  readonly memorySize?: number;
  readonly architectures?: string[];
  readonly resources?: Record<string, CfnResource>;
}

/**
 * A Serving stack shaped as the kit synthesizes it: the API handler (BACKEND, MODEL_ID, token limits), a REST API
 * whose method integrates it, the stage with its throttling rate, an application inference profile copying
 * `us.meta.llama3-1-8b-instruct-v1:0`, and optionally a knowledge base with its vector store.
 */
export function apiStack(stackName: string, options: ApiStackOptions = {}): StackTemplate {
  const backend = options.backend ?? 'bedrock';
  const kb = options.knowledgeBase;
  const resources: Record<string, CfnResource> = {
    Handler: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        MemorySize: options.memorySize ?? 1024, Architectures: options.architectures ?? ['arm64'],
        Environment: { Variables: {
          BACKEND: backend, MAX_INPUT_TOKENS: '6144', MAX_OUTPUT_TOKENS: '1024',
          ...(backend === 'bedrock' && { MODEL_ID: options.modelId ?? { 'Fn::GetAtt': ['Profile', 'InferenceProfileArn'] } }),
          ...(kb && { KNOWLEDGE_BASE_ID: { 'Fn::GetAtt': ['KnowledgeBase', 'KnowledgeBaseId'] }, RETRIEVAL_RESULTS: '5', RETRIEVAL_BY_DEFAULT: 'false' }),
          ...options.variables,
        } },
      },
      Metadata: { 'aws:cdk:path': `${stackName.replace(/-/g, '/')}/Api/Handler/Resource` },
    },
    Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'Api' } },
    Method: {
      Type: 'AWS::ApiGateway::Method',
      Properties: { RestApiId: { Ref: 'Api' }, Integration: { Uri: { 'Fn::Join': ['', ['arn:aws:apigateway:', { 'Fn::GetAtt': ['Handler', 'Arn'] }, '/invocations']] } } },
    },
    Stage: {
      Type: 'AWS::ApiGateway::Stage',
      Properties: { RestApiId: { Ref: 'Api' }, MethodSettings: [{ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: options.rate ?? 1, ThrottlingBurstLimit: 2 }] },
    },
    Profile: {
      Type: 'AWS::Bedrock::ApplicationInferenceProfile',
      Properties: { ModelSource: { CopyFrom: { 'Fn::Join': ['', ['arn:aws:bedrock:us-west-2:', { Ref: 'AWS::AccountId' }, ':inference-profile/us.meta.llama3-1-8b-instruct-v1:0']] } } },
    },
    ...(kb && {
      KnowledgeBase: {
        Type: 'AWS::Bedrock::KnowledgeBase',
        Properties: {
          KnowledgeBaseConfiguration: { Type: 'VECTOR', VectorKnowledgeBaseConfiguration: { EmbeddingModelArn: 'arn:aws:bedrock:us-west-2::foundation-model/amazon.titan-embed-text-v2:0' } },
          StorageConfiguration: { Type: kb === 's3-vectors' ? 'S3_VECTORS' : 'OPENSEARCH_SERVERLESS' },
        },
      },
      ...(kb === 's3-vectors'
        ? { Index: { Type: 'AWS::S3Vectors::Index', Properties: {} } }
        : { Collection: { Type: 'AWS::OpenSearchServerless::Collection', Properties: { Name: 'kb', Type: 'VECTORSEARCH' } } }),
    }),
    ...options.resources,
  };
  return stackOf(stackName, resources);
}

/** An assembly of the given environments, in memory. */
export function assemblyOf(environments: Record<string, readonly StackTemplate[]>): CloudAssembly {
  return { environments: Object.entries(environments).map(([name, stacks]) => ({ name, directory: `assembly-${name}`, stacks })), pluginReports: [] };
}

/** Writes an assembly as `cdk synth` lays it out (manifest.json, assembly-<Env>/), for the CLI's --assembly. */
export function writeAssembly(dir: string, assembly: CloudAssembly): void {
  const artifacts: Record<string, unknown> = {};
  for (const env of assembly.environments) {
    const nested: Record<string, unknown> = {};
    mkdirSync(join(dir, env.directory), { recursive: true });
    for (const stack of env.stacks) {
      writeFileSync(join(dir, env.directory, `${stack.artifactId}.template.json`), JSON.stringify(stack.template));
      nested[stack.artifactId] = { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/us-west-2', properties: { templateFile: `${stack.artifactId}.template.json`, stackName: stack.stackName } };
    }
    writeFileSync(join(dir, env.directory, 'manifest.json'), JSON.stringify({ artifacts: nested }));
    artifacts[env.directory] = { type: 'cdk:cloud-assembly', properties: { directoryName: env.directory, displayName: env.name } };
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ artifacts }));
}
