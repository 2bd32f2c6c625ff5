// The policy checkers every stage runs at synth: cdk-nag's AwsSolutions pack, the Control Tower
// proactive controls (CloudFormation Guard), the kit's own deploy-failure rules and the independent
// validators (IAM reference, asl-validator, SageMaker SDK enums, CloudFormation resource specification).
// aws-cdk-lib's own CloudFormation schema validation is switched on by the
// `@aws-cdk/core:validateAgainstDefaultRules` context flag and needs no registration.
// cdk-nag and the guard validator are optional peers, loaded when the checks are added (optional-peers.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport, type Stage, Validations } from 'aws-cdk-lib';
import type * as CfnGuard from '@cdklabs/cdk-validator-cfnguard';
import type * as Nag from 'cdk-nag';
import { AcknowledgementPack } from './acknowledgement-pack';
import { DeployRulesPlugin } from './deploy-rules';
import { IndependentValidatorsPlugin } from './independent-validators';
import { requirePeer, resolvePeer } from './optional-peers';

export interface PolicyCheckOptions {
  /** The stage deploys production: the kit's production-only rules apply. @default false */
  readonly production?: boolean;
}

/** The kit's policy checks, as one call from any language. */
export class PolicyChecks {
  /**
   * Registers cdk-nag AwsSolutions, the Control Tower guard rules, the kit's deploy-failure rules and the
   * independent validators on a stage (an App is one), with the kit's acknowledgements (`AcknowledgementPack`).
   * Needs the optional peers `cdk-nag` and `@cdklabs/cdk-validator-cfnguard` installed.
   */
  static add(stage: Stage, options: PolicyCheckOptions = {}): void {
    addPolicyChecks(stage, options);
  }

  private constructor() {}
}

/**
 * Registers the kit's policy checkers on a stage, after the kit's acknowledgement pack; any unacknowledged
 * finding fails `cdk synth`. Throws, naming the package and the command that installs it, when an optional peer
 * (cdk-nag, @cdklabs/cdk-validator-cfnguard) is missing.
 */
export function addPolicyChecks(stage: Stage, options: PolicyCheckOptions = {}): void {
  const { AwsSolutionsChecks } = requirePeer<typeof Nag>('cdk-nag', 'PolicyChecks.add');
  requirePeer<typeof CfnGuard>('@cdklabs/cdk-validator-cfnguard', 'PolicyChecks.add');
  AcknowledgementPack.add(stage);
  Validations.of(stage).addPlugins(
    new AwsSolutionsChecks(stage),
    new FailOnEveryViolation(new ControlTowerGuard()),
    new DeployRulesPlugin({ production: options.production }),
    new IndependentValidatorsPlugin(),
  );
}

/** The Control Tower proactive controls shipped with @cdklabs/cdk-validator-cfnguard, with the resource types each names. */
let ruleIndex: { file: string; types: string[] }[] | undefined;
function controlTowerRules(): { file: string; types: string[] }[] {
  if (ruleIndex) return ruleIndex;
  const manifest = resolvePeer('@cdklabs/cdk-validator-cfnguard', 'ControlTowerGuard', '@cdklabs/cdk-validator-cfnguard/package.json');
  const root = path.join(path.dirname(manifest), 'rules', 'control-tower', 'cfn-guard');
  const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.guard')).sort();
  ruleIndex = files.map((f) => {
    const file = path.join(root, f);
    const types = [...new Set([...fs.readFileSync(file, 'utf8').matchAll(/["'](AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)["']/g)].map((m) => m[1]))];
    return { file, types };
  });
  return ruleIndex;
}

/**
 * The Control Tower guard rules, run with only the rule files that apply to a resource type present in the
 * stage's templates (a rule about another type cannot fire). Same rules and findings as
 * `new CfnGuardValidator()`, at a fraction of cfn-guard's parsing time; a rule file that names no type is
 * always run.
 */
export class ControlTowerGuard implements IPolicyValidationPlugin {
  readonly name = 'cdk-validator-cfnguard';

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const present = new Set<string>();
    for (const templatePath of context.templatePaths) {
      const template = JSON.parse(fs.readFileSync(templatePath, 'utf8')) as { Resources?: Record<string, { Type: string }> };
      for (const r of Object.values(template.Resources ?? {})) present.add(r.Type);
    }
    const rules = controlTowerRules().filter((r) => r.types.length === 0 || r.types.some((t) => present.has(t))).map((r) => r.file);
    if (rules.length === 0) return { success: true, violations: [] };
    const { CfnGuardValidator } = requirePeer<typeof CfnGuard>('@cdklabs/cdk-validator-cfnguard', 'ControlTowerGuard');
    return new CfnGuardValidator({ controlTowerRulesEnabled: false, rules }).validate(context);
  }
}

/**
 * The guard plugin reports violations without a severity. When some of a report's findings are
 * acknowledged, aws-cdk-lib recomputes the report's success from the severities of those left, so the
 * unacknowledged guard findings would stop failing synthesis. Marking each violation an error keeps them failing.
 */
export class FailOnEveryViolation implements IPolicyValidationPlugin {
  readonly name: string;
  readonly version?: string;
  readonly ruleIds?: string[];

  constructor(private readonly inner: IPolicyValidationPlugin) {
    // Same name, so acknowledgements keep the inner plugin's namespace (`cdk-validator-cfnguard::...`).
    this.name = inner.name;
    this.version = inner.version;
    this.ruleIds = inner.ruleIds;
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = this.inner.validate(context);
    return { ...report, violations: report.violations.map((v) => ({ ...v, severity: v.severity ?? 'error' })) };
  }
}
