// Runs a deployed state machine definition under aws-local-stepfunctions, an implementation of the Amazon
// States Language the kit did not write, with every Task state answered by a local stand-in chosen by its
// Resource. Waits and retry intervals take no time; everything else (paths, intrinsic functions, Choice
// rules, Retry and Catch, and States.Runtime errors that no Catch can take) is the interpreter's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Interpreter from 'aws-local-stepfunctions';
import type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3.0.0 calls Promise.withResolvers (Node.js 22); the kit supports Node.js 20, where
// it is missing. The polyfill is the ECMAScript definition of the method.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

/**
 * aws-local-stepfunctions 3.0.0 implements States.JsonMerge as Object.assign(obj1, obj2), which writes into
 * the first argument. When that argument is a path into the state's input (`States.JsonMerge($.defaults, $,
 * false)`), the input then contains itself and the next state's copy of it never ends. Step Functions returns a
 * new object and leaves its arguments alone. The interpreter is loaded from a copy with that one expression
 * changed; any other version stops here, so the change is looked at again when the package is upgraded.
 */
function loadInterpreter(): typeof Interpreter {
  const original = require.resolve('aws-local-stepfunctions');
  const source = fs.readFileSync(original, 'utf8');
  const merge = 'return Object.assign(obj1, obj2);';
  if (source.split(merge).length !== 2) {
    throw new Error(`${original} no longer has the States.JsonMerge that writes into its argument; check the fix in scripts/lib/simulation/execute.ts against this version.`);
  }
  const patched = path.join(path.dirname(original), 'main.node.merge-copies.cjs');
  const text = source.replace(merge, 'return Object.assign({}, obj1, obj2);');
  if (!fs.existsSync(patched) || fs.readFileSync(patched, 'utf8') !== text) fs.writeFileSync(patched, text);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(patched) as typeof Interpreter;
}

const { StateMachine } = loadInterpreter();
type Json = Parameters<Interpreter.StateMachine['run']>[0];

/** An error a service integration reports: `name` is the States error name, `cause` its cause text. */
export class TaskFailure extends Error {
  constructor(name: string, readonly cause: string) {
    super(cause);
    this.name = name;
  }
}

/** What a Task state's stand-in is given. */
export interface TaskCall {
  readonly state: string;
  readonly resource: string;
  /** The effective input: the state's Parameters applied to its input. */
  readonly parameters: Record<string, unknown>;
  readonly executionName: string;
}

export type TaskHandler = (call: TaskCall) => Promise<unknown>;

/** One step of an execution, in order. */
export interface TraceEntry {
  readonly state: string;
  readonly type: string;
  readonly event: 'entered' | 'exited' | 'failed' | 'retried' | 'caught';
  readonly error?: string;
  readonly cause?: string;
}

export interface ExecutionOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly trace: readonly TraceEntry[];
  /** Names of the states entered, in order. */
  readonly path: readonly string[];
}

export interface ExecuteOptions {
  readonly input: unknown;
  /** `$$.Execution.Name`. */
  readonly executionName: string;
  readonly stateMachineArn: string;
  /** The stand-in for a Task state's Resource; undefined when nothing stands in for it. */
  readonly handlerFor: (resource: string, state: string) => TaskHandler | undefined;
}

/** Runs the definition to its end. A Task with no stand-in is an error before the run starts. */
export async function execute(definition: Record<string, unknown>, options: ExecuteOptions): Promise<ExecutionOutcome> {
  const tasks = taskStates(definition);
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  const missing: string[] = [];
  for (const [name, state] of Object.entries(allStates(definition))) {
    if (state.Type === 'Wait') waits[name] = 0;
    if (Array.isArray(state.Retry)) retries[name] = 0;
  }
  for (const [name, resource] of tasks) {
    const handler = options.handlerFor(resource, name);
    if (!handler) {
      missing.push(`${name} (${resource})`);
      continue;
    }
    handlers[name] = async (parameters) => (await handler({ state: name, resource, parameters: parameters as Record<string, unknown>, executionName: options.executionName })) as Json;
  }
  if (missing.length > 0) throw new Error(`No stand-in answers these Task states: ${missing.join(', ')}.`);

  const machine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } });
  const startTime = new Date().toISOString();
  const context: RunOptions['context'] = {
    Execution: {
      Id: `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${options.executionName}`,
      Name: options.executionName,
      Input: options.input as Json,
      StartTime: startTime,
      RoleArn: 'arn:aws:iam::111122223333:role/simulated',
    },
    StateMachine: { Id: options.stateMachineArn, Name: options.stateMachineArn.slice(options.stateMachineArn.lastIndexOf(':') + 1) },
  };
  const run = machine.run(options.input as Json, {
    context,
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: retries },
  });
  let output: unknown;
  let failure: { error: string; cause: string } | undefined;
  try {
    output = await run.result;
  } catch (error) {
    const e = error as Error & { cause?: { name?: string; message?: string; stack?: string } }; if (process.env.SIM_DEBUG) console.error(e.cause?.stack ?? e.stack);
    failure = { error: e.cause?.name ?? e.name, cause: e.cause?.message ?? e.message };
  }
  const trace: TraceEntry[] = [];
  for await (const event of run.eventLogs) {
    const e = event as { type: string; state?: { name: string; type: string }; Error?: string; Cause?: unknown };
    if (e.type === 'ExecutionFailed' && failure) {
      failure = { error: e.Error ?? failure.error, cause: typeof e.Cause === 'string' ? e.Cause : failure.cause };
    }
    if (!e.state) continue;
    const kind = STATE_EVENTS[e.type];
    if (!kind) continue;
    trace.push({ state: e.state.name, type: e.state.type, event: kind, ...(e.Error !== undefined ? { error: e.Error, cause: typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause) } : {}) });
  }
  const path = trace.filter((t) => t.event === 'entered').map((t) => t.state);
  return failure ? { status: 'FAILED', error: failure.error, cause: failure.cause, trace, path } : { status: 'SUCCEEDED', output, trace, path };
}

const STATE_EVENTS: Record<string, TraceEntry['event'] | undefined> = {
  StateEntered: 'entered', StateExited: 'exited', StateFailed: 'failed', StateRetried: 'retried', StateCaught: 'caught',
};

interface AslState { readonly Type: string; readonly Resource?: string; readonly Retry?: unknown; readonly Branches?: { States: Record<string, AslState> }[]; readonly ItemProcessor?: { States: Record<string, AslState> }; readonly Iterator?: { States: Record<string, AslState> } }

/** Every state, those inside Parallel branches and Map processors included. */
export function allStates(definition: Record<string, unknown>): Record<string, AslState> {
  const out: Record<string, AslState> = {};
  const visit = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      out[name] = state;
      for (const branch of state.Branches ?? []) visit(branch.States);
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
      if (state.Iterator) visit(state.Iterator.States);
    }
  };
  visit(definition.States as Record<string, AslState>);
  return out;
}

/** [state name, Resource] of every Task state. */
export function taskStates(definition: Record<string, unknown>): [string, string][] {
  return Object.entries(allStates(definition)).filter(([, s]) => s.Type === 'Task').map(([name, s]) => [name, String(s.Resource)]);
}
