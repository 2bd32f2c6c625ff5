// Acknowledgements whose finding ids can only be written once synthesis has resolved every token: a
// wildcard resource that holds a cross-stack reference, say, is rendered by cdk-nag as the import it becomes
// (`{"Fn::GetStackOutput":...}/captures/*`), which does not exist while constructs are being built.
// Constructs register them here; the `DeferredAcknowledgements` plugin writes them, each by its exact id,
// after synthesis and before aws-cdk-lib matches findings against acknowledgements.
import { type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** An acknowledgement computed at synthesis. */
export interface DeferredAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

interface Entry {
  readonly scope: IConstruct;
  readonly compute: () => readonly DeferredAcknowledgement[];
  done: boolean;
}

const registry = new WeakMap<IConstruct, Entry[]>();

/** Acknowledges, on `scope`, the findings `compute` names once synthesis has resolved the tokens they hold. */
export function acknowledgeAtSynthesis(scope: IConstruct, compute: () => readonly DeferredAcknowledgement[]): void {
  const root = scope.node.root;
  const entries = registry.get(root) ?? [];
  entries.push({ scope, compute, done: false });
  registry.set(root, entries);
}

/**
 * Writes the deferred acknowledgements of the app. Reports nothing itself. Register it on every stage (or
 * app) that runs cdk-nag over the kit's constructs; `addPolicyChecks` does.
 */
export class DeferredAcknowledgements implements IPolicyValidationPlugin {
  readonly name = 'genai-lifecycle-cdk-acknowledgements';

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    for (const entry of registry.get(context.appConstruct.node.root) ?? []) {
      if (entry.done) continue;
      entry.done = true;
      const acks = entry.compute();
      if (acks.length > 0) Validations.of(entry.scope).acknowledge(...acks);
    }
    return { success: true, violations: [] };
  }
}
