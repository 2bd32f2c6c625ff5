// The kit's own policy plugin: deploy-failure rules (lib/validation/rules) over every template of a stage,
// so that `cdk synth` fails on configurations CloudFormation accepts but that fail at deploy or run time.
// Acknowledge a finding with `Validations.of(construct).acknowledge({ id: 'genai-lifecycle-cdk-rules::GENAI-SM1', reason })`.
import * as fs from 'node:fs';
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation } from 'aws-cdk-lib';
import { ENDPOINT_RULES } from './rules/endpoint-rules';
import { ANY_RESOURCE_TYPE, type CfnTemplate, type IDeployRule } from './rules/template';
import { WORKFLOW_RULES } from './rules/workflow-rules';

/** Every rule, in report order. */
export const DEPLOY_RULES: readonly IDeployRule[] = [...ENDPOINT_RULES, ...WORKFLOW_RULES];

export interface DeployRulesOptions {
  /** The stage deploys production: production-only rules apply. @default false */
  readonly production?: boolean;
  /**
 * @default DEPLOY_RULES
 *
 * TypeScript and JavaScript only, as IDeployRule is.
 *
 * @jsii ignore
 */
  readonly rules?: IDeployRule[];
}

export class DeployRulesPlugin implements IPolicyValidationPlugin {
  static readonly NAME = 'genai-lifecycle-cdk-rules';
  readonly name = DeployRulesPlugin.NAME;
  /** The ids of the rules it runs. */
  readonly ruleIds?: string[];
  private readonly rules: readonly IDeployRule[];

  constructor(private readonly options: DeployRulesOptions = {}) {
    this.rules = options.rules ?? DEPLOY_RULES;
    this.ruleIds = this.rules.map((r) => r.id);
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    return runRules(context, this.rules, { production: this.options.production ?? false });
  }
}

/**
 * Runs rules over every resource of every template of a stage and reports one error-severity violation
 * per rule that found something, naming each resource and location. Shared by the kit's plugins.
 */
export function runRules(context: IPolicyValidationContext, rules: readonly IDeployRule[], options: { readonly production: boolean }): PolicyValidationPluginReport {
  const byRule = new Map<IDeployRule, PolicyViolation['violatingResources'][number][]>();
  const messages = new Map<IDeployRule, string[]>();
  for (const stack of context.stackTemplates) {
    const template = JSON.parse(fs.readFileSync(stack.templatePath, 'utf8')) as CfnTemplate;
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      for (const rule of rules) {
        if (!appliesTo(rule, resource.Type)) continue;
        const findings = rule.check({ template, logicalId, resource, region: stack.region, production: options.production });
        if (findings.length === 0) continue;
        const list = byRule.get(rule) ?? [];
        list.push({ resourceLogicalId: logicalId, templatePath: stack.templatePath, locations: findings.map((f) => f.location ?? '') });
        byRule.set(rule, list);
        messages.set(rule, [...(messages.get(rule) ?? []), ...findings.map((f) => `${logicalId}: ${f.message}`)]);
      }
    }
  }
  const violations: PolicyViolation[] = [...byRule.entries()].map(([rule, resources]) => ({
    ruleName: rule.id,
    description: `${rule.title} (${messages.get(rule)!.join('; ')})`,
    fix: rule.fix,
    severity: 'error',
    violatingResources: resources,
  }));
  return { success: violations.length === 0, violations };
}

function appliesTo(rule: IDeployRule, type: string): boolean {
  return rule.resourceTypes.includes(type) || rule.resourceTypes.includes(ANY_RESOURCE_TYPE);
}
