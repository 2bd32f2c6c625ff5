/**
 * Policy findings of an environment: open violations and acknowledgements per plugin, and every
 * acknowledgement with its rule, where it was declared and why. Two sources, because the plugins differ:
 * the validation report lists the findings an acknowledgement suppressed (Control Tower guard, CloudFormation
 * Validate, the kit's rules), while cdk-nag drops acknowledged findings itself, so its acknowledgements are
 * only in the stacks' metadata (the kit's acknowledgement pack writes them there before the stacks are written).
 */
import type { CloudAssembly, EnvironmentAssembly, ViolatingConstruct } from './assembly';

/** The plugins the kit registers, in the order the report shows them, with what a reviewer knows them as. */
export const KNOWN_PLUGINS: readonly { readonly name: string; readonly label: string }[] = [
  { name: 'AwsSolutions', label: 'cdk-nag AwsSolutions' },
  { name: 'cdk-validator-cfnguard', label: 'Control Tower guard (cdk-validator-cfnguard)' },
  { name: 'CloudFormation Validate', label: 'CloudFormation Validate' },
  { name: 'genai-lifecycle-cdk-rules', label: 'kit deploy-failure rules (genai-lifecycle-cdk-rules)' },
];

/** Plugins that report nothing themselves. */
const SILENT_PLUGINS = new Set(['genai-lifecycle-cdk-acknowledgements']);

export interface PluginCount {
  readonly plugin: string;
  readonly label: string;
  /** Open findings: one per rule and violating construct. */
  readonly open: number;
  /** Of them, those that fail synthesis (errors). */
  readonly errors: number;
  readonly acknowledged: number;
}

export interface OpenFinding {
  readonly plugin: string;
  readonly rule: string;
  readonly constructPath: string;
  /** `error` and `fatal` fail synthesis; `warning` and the rest do not. */
  readonly severity: string;
  readonly description?: string;
}

/** Findings of these severities fail `cdk synth`. */
export function failsSynthesis(finding: OpenFinding): boolean {
  return finding.severity === 'error' || finding.severity === 'fatal';
}

export interface Acknowledgement {
  readonly plugin: string;
  /** The rule as the plugin names it, e.g. `lambda_inside_vpc_check` or `AwsSolutions-IAM4[Policy::...]`. */
  readonly rule: string;
  /** Where it was declared; a stage-wide one is the stage's path, e.g. `Dev`. */
  readonly constructPath: string;
  readonly reason: string;
  /** The constructs whose findings it suppressed, when the report lists them. */
  readonly covers: readonly string[];
}

export interface ValidationSummary {
  readonly plugins: readonly PluginCount[];
  readonly open: readonly OpenFinding[];
  readonly acknowledgements: readonly Acknowledgement[];
}

export function validationOf(environment: EnvironmentAssembly, assembly: CloudAssembly): ValidationSummary {
  const inEnvironment = belongsTo(environment);
  const open: OpenFinding[] = [];
  const acks = new Map<string, Acknowledgement>();
  for (const report of assembly.pluginReports) {
    if (SILENT_PLUGINS.has(report.pluginName)) continue;
    for (const v of report.violations ?? []) {
      for (const c of constructsOf(v.violatingConstructs)) {
        if (inEnvironment(c)) open.push({ plugin: report.pluginName, rule: v.ruleName, constructPath: pathOf(c), severity: (v.severity ?? 'error').toLowerCase(), description: v.description });
      }
    }
    for (const s of report.suppressedViolations ?? []) {
      const covers = constructsOf(s.violatingConstructs).filter(inEnvironment).map(pathOf);
      const at = s.acknowledgedAt ?? '';
      if (covers.length === 0 && !inEnvironment({ constructPath: at })) continue;
      const key = `${s.acknowledgedId ?? `${report.pluginName}::${s.ruleName}`}@${at}`;
      const existing = acks.get(key);
      acks.set(key, {
        plugin: report.pluginName, rule: s.ruleName, constructPath: at, reason: s.reason ?? '',
        covers: [...new Set([...(existing?.covers ?? []), ...covers])],
      });
    }
  }
  for (const stack of environment.stacks) {
    for (const declared of stack.acknowledgements) {
      const key = `${declared.id}@${declared.constructPath}`;
      if (acks.has(key)) continue;
      const { plugin, rule } = splitId(declared.id);
      acks.set(key, { plugin, rule, constructPath: declared.constructPath, reason: declared.reason, covers: [] });
    }
  }
  const acknowledgements = [...acks.values()].sort((a, b) => a.plugin.localeCompare(b.plugin) || a.constructPath.localeCompare(b.constructPath) || a.rule.localeCompare(b.rule));
  const names = [...KNOWN_PLUGINS.map((p) => p.name), ...new Set([...open, ...acknowledgements].map((f) => f.plugin))];
  const plugins = [...new Set(names)].map((name) => ({
    plugin: name,
    label: KNOWN_PLUGINS.find((p) => p.name === name)?.label ?? name,
    open: open.filter((f) => f.plugin === name).length,
    errors: open.filter((f) => f.plugin === name && failsSynthesis(f)).length,
    acknowledged: acknowledgements.filter((a) => a.plugin === name).length,
  }));
  return { plugins, open, acknowledgements };
}

/** `cdk-validator-cfnguard::rule` -> that plugin and rule; `AwsSolutions-IAM4[...]` (cdk-nag) -> its pack. */
export function splitId(id: string): { plugin: string; rule: string } {
  const separator = id.indexOf('::');
  if (separator > 0 && !id.slice(0, separator).includes('[')) return { plugin: id.slice(0, separator), rule: id.slice(separator + 2) };
  return { plugin: id.split('-')[0], rule: id };
}

/** A violating construct is in the environment when its path or its template is. */
function belongsTo(environment: EnvironmentAssembly): (c: ViolatingConstruct) => boolean {
  return (c) => {
    const path = c.constructPath ?? '';
    if (path !== '') return path === environment.name || path.startsWith(`${environment.name}/`);
    return (c.cloudFormationResource?.templatePath ?? '').startsWith(`${environment.directory}/`);
  };
}

function constructsOf(constructs: readonly ViolatingConstruct[] | undefined): readonly ViolatingConstruct[] {
  return constructs ?? [];
}

function pathOf(c: ViolatingConstruct): string {
  const resource = c.cloudFormationResource;
  return c.constructPath || (resource ? `${resource.templatePath ?? ''}#${resource.logicalId ?? ''}` : '');
}
