// Resource properties checked against the CloudFormation resource specification as the CDK team
// publishes it: @aws-cdk/aws-service-spec 0.1.216 (its db.json.gz: the CloudFormation registry schemas
// merged with the legacy resource specification, SAM and the CDK team's patches; the source of every L1
// class; read 2026-12-02). Unknown resource types and properties, missing required properties, and literal
// values of the wrong type are reported; values that are intrinsic functions are not judged.
//
// The package's own loader indexes the whole database (about 1.5 s); this reads the same file into plain
// maps of resources and type definitions (about 0.3 s), once per process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { type CfnResourceJson, ANY_RESOURCE_TYPE, type IDeployRule, type RuleFinding } from '../rules/template';
import { didYouMean } from '../../util/did-you-mean';
import { isIntrinsic } from './intrinsics';

/**
 * Types CloudFormation accepts that the specification does not describe: custom resources (free-form
 * properties) and the CDK's version-reporting resource, which `cdk synth` adds to every stack.
 */
const OUTSIDE_THE_SPECIFICATION: ReadonlySet<string> = new Set(['AWS::CloudFormation::CustomResource', 'AWS::CDK::Metadata']);

/** A property's type, as the database writes it. */
export type SpecType =
  | { readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { readonly type: 'array' | 'map'; readonly element: SpecType }
  | { readonly type: 'ref'; readonly reference: { readonly $ref: string } }
  | { readonly type: 'union'; readonly types: readonly SpecType[] };

export interface SpecProperty {
  readonly type: SpecType;
  /** Types the property had before; CloudFormation still accepts them. */
  readonly previousTypes?: readonly SpecType[];
  readonly required?: boolean;
}

interface SpecShape {
  readonly name?: string;
  readonly cloudFormationType?: string;
  readonly properties: Readonly<Record<string, SpecProperty>>;
}

/** The resource specification: resource types and the property types they use. */
export class ResourceSpecification {
  private static instance: ResourceSpecification | undefined;

  /** The specification shipped with the installed @aws-cdk/aws-service-spec, shared by every plugin of the process. */
  static load(): ResourceSpecification {
    ResourceSpecification.instance ??= ResourceSpecification.fromFile(path.join(path.dirname(require.resolve('@aws-cdk/aws-service-spec/package.json')), 'db.json.gz'));
    return ResourceSpecification.instance;
  }

  static fromFile(file: string): ResourceSpecification {
    const db = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as { schema?: Record<string, { entities?: unknown }> };
    const resources = db.schema?.resource?.entities;
    const types = db.schema?.typeDefinition?.entities;
    if (!Array.isArray(resources) || !Array.isArray(types)) {
      throw new Error(`${file} is not laid out as @aws-cdk/aws-service-spec 0.1.x lays it out (schema.resource.entities, schema.typeDefinition.entities); update lib/validation/independent/cfn-spec.ts`);
    }
    return new ResourceSpecification(resources as (SpecShape & { cloudFormationType: string })[], types as (SpecShape & { $id: string })[]);
  }

  private readonly resources: ReadonlyMap<string, SpecShape>;
  private readonly types: ReadonlyMap<string, SpecShape>;

  private constructor(resources: readonly (SpecShape & { cloudFormationType: string })[], types: readonly (SpecShape & { $id: string })[]) {
    this.resources = new Map(resources.map((r) => [r.cloudFormationType, r]));
    this.types = new Map(types.map((t) => [t.$id, t]));
  }

  resource(type: string): SpecShape | undefined {
    return this.resources.get(type);
  }

  resourceTypes(): IterableIterator<string> {
    return this.resources.keys();
  }

  /** Every problem of a resource's properties. */
  check(resource: CfnResourceJson): RuleFinding[] {
    const type = resource.Type;
    if (typeof type !== 'string' || type.startsWith('Custom::') || OUTSIDE_THE_SPECIFICATION.has(type)) return [];
    const spec = this.resources.get(type);
    if (!spec) {
      // Types outside AWS:: are registry extensions (third-party or private), which the specification cannot know.
      return type.startsWith('AWS::') ? [{ message: `${type} is not a CloudFormation resource type${didYouMean(type, this.resources.keys())}`, location: 'Type' }] : [];
    }
    const properties = resource.Properties ?? {};
    if (isIntrinsic(properties)) return [];
    const findings: RuleFinding[] = [];
    this.checkObject(properties, spec, type, '', findings);
    return findings;
  }

  private checkObject(value: Record<string, unknown>, shape: SpecShape, owner: string, location: string, findings: RuleFinding[]): void {
    const at = (name: string) => (location ? `${location}/${name}` : name);
    for (const [name, v] of Object.entries(value)) {
      // `Fn::Transform` (AWS::Include) beside properties is expanded by CloudFormation before it validates.
      if (name.startsWith('Fn::')) continue;
      const property = shape.properties[name];
      if (!property) {
        findings.push({ message: `${name} is not a property of ${owner}${didYouMean(name, Object.keys(shape.properties))}`, location: at(name) });
        continue;
      }
      const problems = this.problemsOf(v, property.type, owner, at(name));
      if (problems.length === 0) continue;
      // A value of a type the property had before is still accepted.
      if ((property.previousTypes ?? []).some((t) => this.problemsOf(v, t, owner, at(name)).length === 0)) continue;
      findings.push(...problems);
    }
    for (const [name, property] of Object.entries(shape.properties)) {
      if (property.required && value[name] === undefined) findings.push({ message: `required property ${name} of ${owner} is missing`, location: at(name) });
    }
  }

  private problemsOf(value: unknown, type: SpecType, owner: string, location: string): RuleFinding[] {
    if (isIntrinsic(value)) return [];
    const wrong = (expected: string): RuleFinding[] => [{ message: `${location} must be ${expected}, not ${describe(value)}`, location }];
    switch (type.type) {
      case 'json':
        return [];
      case 'string':
      case 'date-time':
        // CloudFormation turns numbers and booleans given for a string into their text.
        return ['string', 'number', 'boolean'].includes(typeof value) ? [] : wrong('a string');
      case 'integer':
        return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^[-+]?\d+$/.test(value.trim())) ? [] : wrong('an integer');
      case 'number':
        return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) ? [] : wrong('a number');
      case 'boolean':
        return typeof value === 'boolean' || (typeof value === 'string' && /^(true|false)$/i.test(value)) ? [] : wrong('a boolean');
      case 'null':
        return value === null ? [] : wrong('null');
      case 'tag':
        return isObject(value) && 'Key' in value ? [] : wrong('a tag ({ Key, Value })');
      case 'array':
        if (!Array.isArray(value)) return wrong('a list');
        return value.flatMap((v, i) => this.problemsOf(v, type.element, owner, `${location}/${i}`));
      case 'map':
        if (!isObject(value)) return wrong('a map');
        return Object.entries(value).flatMap(([k, v]) => this.problemsOf(v, type.element, owner, `${location}/${k}`));
      case 'ref': {
        const shape = this.types.get(type.reference.$ref);
        if (!shape) return [];
        if (!isObject(value)) return wrong(`an object (${shape.name ?? 'structure'})`);
        const findings: RuleFinding[] = [];
        this.checkObject(value, shape, `${owner}.${shape.name ?? 'structure'}`, location, findings);
        return findings;
      }
      case 'union': {
        const each = type.types.map((t) => this.problemsOf(value, t, owner, location));
        if (each.some((p) => p.length === 0)) return [];
        // For a union of structures the problems of the closest one say the most.
        return each.reduce((a, b) => (b.length < a.length ? b : a));
      }
      default:
        return [];
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

export const CFN_PROPERTIES_VALID: IDeployRule = {
  id: 'GENAI-IV5',
  title: 'Resource that the CloudFormation resource specification does not allow (type, property names, required properties, value types)',
  fix: 'Spell types and properties as the CloudFormation resource reference does, set every required property, and give values of the type it names; prefer L2 or L1 constructs over CfnResource with raw properties.',
  resourceTypes: [ANY_RESOURCE_TYPE],
  check(ctx) {
    return ResourceSpecification.load().check(ctx.resource);
  },
};
