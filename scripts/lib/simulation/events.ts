// EventBridge as the kit's rules see it: which of a stage's rules an event matches (./event-pattern implements the
// documented pattern semantics), and the input each matched target receives, built by its input transformer.
//
// Source, read 2026-12-02: Amazon EventBridge User Guide, "Amazon EventBridge input transformation": InputPathsMap
// names JSON paths of the event; in InputTemplate a placeholder inside quotes ("<name>") takes the value as text,
// one outside quotes (<name>) takes its JSON value; a path that matches nothing gives null.
import type { DeployedRuleTarget, DeployedStage } from './assembly';
import { matchesEventPattern } from './event-pattern';

export interface Delivery {
  readonly rule: string;
  readonly target: string;
  readonly input: unknown;
}

/** Every target that `event` reaches in the stage, with the input it receives. */
export function deliver(stage: DeployedStage, event: Record<string, unknown>): Delivery[] {
  return stage.rules
    .filter((rule) => matchesEventPattern(rule.eventPattern, event))
    .flatMap((rule) => rule.targets.map((target) => ({ rule: rule.path, target: target.arn, input: targetInput(target, event) })));
}

/** The input a target receives: its constant Input, its transformed input, or the event itself. */
export function targetInput(target: DeployedRuleTarget, event: Record<string, unknown>): unknown {
  if (target.input !== undefined) return JSON.parse(target.input) as unknown;
  const transformer = target.inputTransformer;
  if (!transformer) return event;
  const values = Object.fromEntries(Object.entries(transformer.InputPathsMap ?? {}).map(([name, p]) => [name, valueAt(event, p)]));
  const text = transformer.InputTemplate
    .replace(/"<([\w.-]+)>"/g, (whole, name: string) => (name in values ? JSON.stringify(values[name] === null ? '' : typeof values[name] === 'string' ? values[name] : JSON.stringify(values[name])) : whole))
    .replace(/<([\w.-]+)>/g, (whole, name: string) => (name in values ? JSON.stringify(values[name]) : whole));
  return JSON.parse(text) as unknown;
}

/** A `$.a.b` path of the event, or null. */
function valueAt(event: unknown, jsonPath: string): unknown {
  const parts = jsonPath.replace(/^\$\.?/, '').split('.').filter((p) => p !== '');
  let at: unknown = event;
  for (const part of parts) {
    if (at === null || typeof at !== 'object' || !(part in (at as Record<string, unknown>))) return null;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}
