/**
 * Compact text for CloudFormation values that hold intrinsic functions, so a reviewer can read an ARN at a
 * glance: `{"Fn::GetAtt":["Bucket","Arn"]}` is `<Bucket.Arn>`, `{"Ref":"AWS::AccountId"}` is `${AWS::AccountId}`,
 * an `Fn::Join` is its parts joined, and a cross-stack reference is the producing stack's output value
 * (`<Prod-Data:Datasets.Arn>`) when that stack is in the assembly.
 */
import type { CfnResource, CfnTemplate, StackTemplate } from './assembly';

/** Looks up the value of another stack's output, for `Fn::GetStackOutput`. */
export type OutputLookup = (stackName: string, outputName: string) => unknown;

export interface RenderOptions {
  readonly outputs?: OutputLookup;
  /** Replaces the text of a `Ref` or `Fn::GetAtt` (e.g. a literal endpoint name); undefined keeps `<Id.Attr>`. */
  readonly reference?: (logicalId: string, attribute: string | undefined) => string | undefined;
}

/** The outputs of the stacks of one environment, by stack name. */
export function outputLookup(stacks: readonly StackTemplate[]): OutputLookup {
  const byName = new Map(stacks.map((s) => [s.stackName, s.template]));
  return (stackName, outputName) => byName.get(stackName)?.Outputs?.[outputName]?.Value;
}

/** A value as one line of text. Lists are joined with `, `. */
export function render(value: unknown, options: RenderOptions = {}): string {
  return renderIn(value, options, '');
}

function renderIn(value: unknown, options: RenderOptions, stack: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => renderIn(v, options, stack)).join(', ');
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length !== 1) return JSON.stringify(value);
  const [key] = keys;
  const arg = object[key];
  switch (key) {
    case 'Ref': {
      const id = String(arg);
      if (id.startsWith('AWS::')) return `\${${id}}`;
      return (stack === '' ? options.reference?.(id, undefined) : undefined) ?? `<${stack}${id}>`;
    }
    case 'Fn::GetAtt': {
      const [id, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/s);
      return (stack === '' ? options.reference?.(id, attribute) : undefined) ?? `<${stack}${id}.${attribute}>`;
    }
    case 'Fn::Join': {
      const [separator, parts] = Array.isArray(arg) ? arg : ['', []];
      return Array.isArray(parts) ? parts.map((p) => renderIn(p, options, stack)).join(String(separator)) : `<Fn::Join>`;
    }
    case 'Fn::Sub':
      return String(Array.isArray(arg) ? arg[0] : arg);
    case 'Fn::Select': {
      const [index, list] = Array.isArray(arg) ? arg : [];
      return Array.isArray(list) && typeof index === 'number' ? renderIn(list[index], options, stack) : '<Fn::Select>';
    }
    case 'Fn::ImportValue':
      return `<import ${renderIn(arg, options, stack)}>`;
    case 'Fn::GetStackOutput': {
      const { StackName, OutputName } = (arg ?? {}) as { StackName?: unknown; OutputName?: unknown };
      const produced = options.outputs?.(String(StackName), String(OutputName));
      return produced === undefined ? `<${String(StackName)}:${String(OutputName)}>` : renderIn(produced, options, `${String(StackName)}:`);
    }
    default:
      return key.startsWith('Fn::') ? `<${key}>` : JSON.stringify(value);
  }
}

/** A value as a list: each element of a literal array rendered; anything else as one element. */
export function renderList(value: unknown, options: RenderOptions = {}): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map((v) => render(v, options)) : [render(value, options)];
}

/** The Amazon States Language definition of a state machine, or undefined when it cannot be read. */
export interface StateMachineDefinition {
  readonly States?: Record<string, Record<string, unknown>>;
}

/** Stands for a value CloudFormation fills in at deploy time (an ARN, a bucket name). */
export const TOKEN_PLACEHOLDER = 'TOKEN';

/**
 * The definition of an AWS::StepFunctions::StateMachine: `Definition` as is, or `DefinitionString` (a string,
 * an `Fn::Join` whose string parts are kept and other parts replaced by a placeholder, or an `Fn::Sub`), parsed.
 */
export function stateMachineDefinition(resource: CfnResource): StateMachineDefinition | undefined {
  const props = resource.Properties ?? {};
  if (typeof props.Definition === 'object' && props.Definition !== null) return props.Definition as StateMachineDefinition;
  const raw = props.DefinitionString;
  const object = typeof raw === 'object' && raw !== null ? raw as Record<string, unknown> : {};
  const join = object['Fn::Join'];
  const sub = object['Fn::Sub'];
  let parts: unknown[];
  if (typeof raw === 'string') parts = [raw];
  else if (Array.isArray(join) && Array.isArray(join[1])) parts = join[1] as unknown[];
  else if (sub !== undefined) parts = [String(Array.isArray(sub) ? sub[0] : sub).replace(/\$\{[^}]*\}/g, TOKEN_PLACEHOLDER)];
  else return undefined;
  // A token usually sits inside a JSON string ("RoleArn": "<token>"); one that stands for a whole value needs quotes.
  for (const placeholder of [TOKEN_PLACEHOLDER, `"${TOKEN_PLACEHOLDER}"`]) {
    try {
      return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : placeholder)).join('')) as StateMachineDefinition;
    } catch {
      // try the next placeholder
    }
  }
  return undefined;
}

/** The logical id a `Ref` or `Fn::GetAtt` points to. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att)) return String(att[0]);
  return typeof att === 'string' ? att.split('.')[0] : undefined;
}

/** The construct path of a resource without the trailing `/Resource` of an L2's primary child. */
export function constructPathOf(resource: CfnResource | undefined): string | undefined {
  const path = resource?.Metadata?.['aws:cdk:path'];
  return typeof path === 'string' ? path.replace(/\/(Resource|Default)$/, '') : undefined;
}

/** A resource's label for a reviewer: its construct path, or its logical id when the template has no path. */
export function resourceLabel(template: CfnTemplate, logicalId: string): string {
  return constructPathOf(template.Resources?.[logicalId]) ?? logicalId;
}
