/**
 * Reads a synthesized cloud assembly (what `cdk synth` writes to cdk.out) into plain data: one environment per
 * nested assembly (`assembly-<Stage>/`), its stacks' templates and declared acknowledgements, and the app's
 * validation report. Pure: the caller passes the function that reads a file of the assembly, so tests and the
 * CLI decide where the bytes come from.
 */

/** One resource of a CloudFormation template, as synthesized. */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value?: unknown }>;
}

/** An acknowledgement a construct declared (`Validations.of(scope).acknowledge`), from the stack's metadata. */
export interface DeclaredAcknowledgement {
  /** As written: `cdk-validator-cfnguard::rule`, or `AwsSolutions-IAM4[...]` (the `Annotation::` prefix removed). */
  readonly id: string;
  /** The construct it was declared on, e.g. `Prod/Serving/Api`. */
  readonly constructPath: string;
  readonly reason: string;
}

export interface StackTemplate {
  /** The artifact id, e.g. `ProdServingE95F2C1F`; the template is `<id>.template.json`. */
  readonly artifactId: string;
  /** The CloudFormation stack name, e.g. `Prod-Serving`. */
  readonly stackName: string;
  /** The construct path, e.g. `Prod/Serving`. */
  readonly displayName: string;
  /** @default - environment-agnostic */
  readonly region?: string;
  readonly template: CfnTemplate;
  readonly acknowledgements: readonly DeclaredAcknowledgement[];
}

/** One deployment environment: a stage of the app, synthesized as a nested assembly. */
export interface EnvironmentAssembly {
  /** The stage id, e.g. `Prod`. */
  readonly name: string;
  /** The nested assembly's folder, e.g. `assembly-Prod`. */
  readonly directory: string;
  readonly stacks: readonly StackTemplate[];
}

/** One violating construct of a policy finding, as the validation report lists it. */
export interface ViolatingConstruct {
  readonly constructPath?: string;
  readonly cloudFormationResource?: { readonly templatePath?: string; readonly logicalId?: string };
}

export interface ViolationJson {
  readonly ruleName: string;
  readonly description?: string;
  readonly severity?: string;
  readonly violatingConstructs?: readonly ViolatingConstruct[];
}

export interface SuppressedViolationJson extends ViolationJson {
  readonly acknowledgedId?: string;
  readonly reason?: string;
  readonly acknowledgedAt?: string;
}

export interface PluginReportJson {
  readonly pluginName: string;
  readonly violations?: readonly ViolationJson[];
  readonly suppressedViolations?: readonly SuppressedViolationJson[];
}

export interface CloudAssembly {
  readonly environments: readonly EnvironmentAssembly[];
  /** The top-level `validation-report.json`. @default - none was written: no plugin reported anything */
  readonly pluginReports: readonly PluginReportJson[];
}

/** Reads one file of the assembly by its path relative to the assembly's root; undefined when it does not exist. */
export type AssemblyReader = (relativePath: string) => string | undefined;

/** The assembly cannot be read: each problem names the file. */
export class AssemblyError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'AssemblyError';
  }
}

interface ManifestJson {
  readonly artifacts?: Record<string, ArtifactJson>;
}

interface ArtifactJson {
  readonly type: string;
  readonly environment?: string;
  readonly displayName?: string;
  readonly properties?: Record<string, unknown>;
  readonly metadata?: Record<string, readonly MetadataEntry[]>;
  readonly additionalMetadataFile?: string;
}

interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

const ACKNOWLEDGED_RULES = 'aws:cdk:acknowledged-rules';

/**
 * The environments of the assembly and its validation report. Stacks outside any stage form an environment
 * named `App`. Throws AssemblyError when a manifest or template is missing or is not JSON.
 */
export function readCloudAssembly(read: AssemblyReader): CloudAssembly {
  const problems: string[] = [];
  const manifest = readJson<ManifestJson>(read, 'manifest.json', problems);
  if (manifest === undefined) throw new AssemblyError(problems);
  const environments: EnvironmentAssembly[] = [];
  const topLevel = stacksOf(read, '', manifest, problems);
  if (topLevel.length > 0) environments.push({ name: 'App', directory: '.', stacks: topLevel });
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'cdk:cloud-assembly') continue;
    const directory = String(artifact.properties?.directoryName ?? id);
    const nested = readJson<ManifestJson>(read, `${directory}/manifest.json`, problems);
    if (nested === undefined) continue;
    environments.push({
      name: String(artifact.properties?.displayName ?? directory.replace(/^assembly-/, '')),
      directory,
      stacks: nestedStacks(read, directory, nested, problems),
    });
  }
  const report = read('validation-report.json') === undefined ? undefined
    : readJson<{ pluginReports?: PluginReportJson[] }>(read, 'validation-report.json', problems);
  if (problems.length > 0) throw new AssemblyError(problems);
  return { environments, pluginReports: (report?.pluginReports ?? []).map(normalizePluginReport) };
}

/** Stacks of a nested assembly and of the assemblies nested in it (a stage inside a stage). */
function nestedStacks(read: AssemblyReader, directory: string, manifest: ManifestJson, problems: string[]): StackTemplate[] {
  const stacks = stacksOf(read, directory, manifest, problems);
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'cdk:cloud-assembly') continue;
    const inner = `${directory}/${String(artifact.properties?.directoryName ?? id)}`;
    const nested = readJson<ManifestJson>(read, `${inner}/manifest.json`, problems);
    if (nested) stacks.push(...nestedStacks(read, inner, nested, problems));
  }
  return stacks;
}

function stacksOf(read: AssemblyReader, directory: string, manifest: ManifestJson, problems: string[]): StackTemplate[] {
  const prefix = directory === '' ? '' : `${directory}/`;
  const stacks: StackTemplate[] = [];
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = String(artifact.properties?.templateFile ?? `${artifactId}.template.json`);
    const template = readJson<CfnTemplate>(read, `${prefix}${templateFile}`, problems);
    if (template === undefined) continue;
    const metadata = artifact.additionalMetadataFile === undefined ? artifact.metadata ?? {}
      : readJson<Record<string, MetadataEntry[]>>(read, `${prefix}${artifact.additionalMetadataFile}`, problems) ?? {};
    const region = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '')?.[1];
    stacks.push({
      artifactId,
      stackName: String(artifact.properties?.stackName ?? artifactId),
      displayName: artifact.displayName ?? artifactId,
      region: region === undefined || region.startsWith('unknown-') ? undefined : region,
      template,
      acknowledgements: declaredAcknowledgements(metadata),
    });
  }
  return stacks;
}

function declaredAcknowledgements(metadata: Record<string, readonly MetadataEntry[]>): DeclaredAcknowledgement[] {
  const acks: DeclaredAcknowledgement[] = [];
  for (const [path, entries] of Object.entries(metadata)) {
    for (const entry of entries) {
      if (entry.type !== ACKNOWLEDGED_RULES || typeof entry.data !== 'object' || entry.data === null) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        // aws-cdk-lib writes `Annotation::` before ids that acknowledge annotations (how cdk-nag reads them).
        acks.push({ id: id.replace(/^annotation::/i, ''), constructPath: path.replace(/^\//, ''), reason: String(reason) });
      }
    }
  }
  return acks;
}

/** Older reports put the plugin name under `summary`. */
function normalizePluginReport(report: PluginReportJson & { summary?: { pluginName?: string } }): PluginReportJson {
  return { ...report, pluginName: report.pluginName ?? report.summary?.pluginName ?? 'unknown' };
}

function readJson<T>(read: AssemblyReader, path: string, problems: string[]): T | undefined {
  const text = read(path);
  if (text === undefined) {
    problems.push(`${path} does not exist`);
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    problems.push(`${path} is not JSON (${(error as Error).message})`);
    return undefined;
  }
}
