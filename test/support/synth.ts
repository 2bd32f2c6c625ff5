// Builds apps exactly as `cdk synth` does (the context of cdk.json plus the kit's strict synthesis) and
// reads the policy findings a synthesis produced. Tests synthesize once per file and share the result.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { STRICT_SYNTH_CONTEXT } from '../../bin/app';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

/** The context of cdk.json, as the CLI passes it to the app. */
export const CDK_CONTEXT: Readonly<Record<string, unknown>> = cdkJson.context;

/** A new App with cdk.json's context, the kit's strict synthesis, and a private output folder. */
export function newApp(extraContext: Record<string, unknown> = {}): App {
  return new App({
    context: { ...CDK_CONTEXT, ...extraContext },
    postCliContext: STRICT_SYNTH_CONTEXT,
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'genai-cdk-test-')),
  });
}

/** One violation as the validation report lists it. */
export interface Finding {
  readonly plugin: string;
  readonly rule: string;
  readonly constructPath: string;
}

/** Every unacknowledged finding of every policy plugin in the app's validation report. */
export function readFindings(app: App): Finding[] {
  const file = path.join(app.outdir, 'validation-report.json');
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string; violatingConstructs: { constructPath?: string }[] }[] }[];
  };
  return report.pluginReports.flatMap((r) => r.violations.flatMap((v) =>
    (v.violatingConstructs.length > 0 ? v.violatingConstructs : [{}]).map((c) => ({ plugin: r.pluginName, rule: v.ruleName, constructPath: c.constructPath ?? '' }))));
}

/** Synthesizes the app; returns the findings, and the error when synthesis failed. */
export function synthesize(app: App): { findings: Finding[]; error?: Error } {
  try {
    app.synth();
    return { findings: readFindings(app) };
  } catch (error) {
    return { findings: readFindings(app), error: error as Error };
  }
}

/** The template of a stack of an already synthesized app. */
export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack, { skipCyclicalDependenciesCheck: true });
}
