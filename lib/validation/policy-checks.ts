// The policy checkers every stage runs at synth: cdk-nag's AwsSolutions pack and the Control Tower
// proactive controls (CloudFormation Guard). aws-cdk-lib's own CloudFormation schema validation is
// switched on by the `@aws-cdk/core:validateAgainstDefaultRules` context flag and needs no registration.
import { type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport, type Stage, Validations } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeferredAcknowledgements } from './deferred-acknowledgements';

/** Registers the kit's policy checkers on a stage; any unacknowledged finding fails `cdk synth`. */
export function addPolicyChecks(stage: Stage): void {
  Validations.of(stage).addPlugins(
    new DeferredAcknowledgements(),
    new AwsSolutionsChecks(stage),
    new FailOnEveryViolation(new CfnGuardValidator({ controlTowerRulesEnabled: true })),
  );
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
