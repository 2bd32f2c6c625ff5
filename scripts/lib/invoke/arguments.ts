/**
 * The options of `npm run invoke`: its commands' option tables and help, the stage URL, the authentication mode, and
 * the request bodies of generate and feedback built from them. Every problem is reported at once, in the order of
 * the options.
 */
import {
  checkRegion, commandProblemReport, EXIT_USAGE, integer, isRecord, optionLines, pairs, readJsonFile, str, strings,
  type OptionSpec, type Values,
} from '../cli';
import { AUTH_MODES, DEFAULT_TIMEOUT_SECONDS, ROLES, type Auth, type AuthMode, type Deps, type Io, type Message } from './types';

const RATINGS = ['up', 'down'] as const;
/** `ID.execute-api.REGION.amazonaws.com`, its China form and private APIs' `ID-vpce-ID.execute-api.REGION.vpce.amazonaws.com`. */
const EXECUTE_API_HOST = /^[a-z0-9-]+\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/;
/** Plain http is only for a local stand-in of the API: anything else would send prompts and keys in clear. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** The stage URL the help and the messages show. */
export const EXAMPLE_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/live';

const COMMON: Record<string, OptionSpec> = {
  url: { type: 'string', help: `the API's stage URL, e.g. ${EXAMPLE_URL} (required)` },
  'timeout-seconds': { type: 'string', help: `give up after this many seconds, streaming included (default ${DEFAULT_TIMEOUT_SECONDS})` },
  json: { type: 'boolean', help: 'print one JSON document at the end instead of text' },
  help: { type: 'boolean', help: 'show this help' },
};
const AUTH: Record<string, OptionSpec> = {
  auth: { type: 'string', help: `${AUTH_MODES.join('|')} (default: token with --token, api-key with only --api-key, else iam)` },
  'api-key': { type: 'string', help: 'API key, sent as x-api-key (with --auth iam or token too, for usage plans)' },
  token: { type: 'string', help: 'Cognito token, sent as is in Authorization' },
  region: { type: 'string', help: 'region to sign for (default: from the execute-api host of --url)' },
};
/** The commands: what each calls and its options. */
export const COMMANDS: Record<string, { readonly summary: string; readonly options: Record<string, OptionSpec> }> = {
  generate: {
    summary: 'POST /v1/generate: generate text, or stream it token by token with --stream',
    options: {
      prompt: { type: 'string', help: 'the user prompt (or --messages, or --template)' },
      messages: { type: 'string', help: 'FILE.json: a conversation, [{"role": "user"|"assistant", "content": "..."}, ...]' },
      system: { type: 'string', help: 'system prompt' },
      template: { type: 'string', help: 'prompt template id (see the environment\'s promptTemplates), filled with --var' },
      var: { type: 'string', multiple: true, help: 'NAME=VALUE: a template variable (repeatable; needs --template)' },
      'max-tokens': { type: 'string', help: 'most tokens to generate' },
      temperature: { type: 'string', help: 'sampling temperature, 0 to 1' },
      'top-p': { type: 'string', help: 'nucleus sampling mass, 0 to 1' },
      stop: { type: 'string', multiple: true, help: 'a stop sequence (repeatable)' },
      stream: { type: 'boolean', help: 'print tokens as they arrive (POST /v1/generate/stream)' },
      ...AUTH,
      ...COMMON,
    },
  },
  feedback: {
    summary: 'POST /v1/feedback: rate an answer by its request id',
    options: {
      'request-id': { type: 'string', help: 'the requestId of the answer (required)' },
      rating: { type: 'string', help: `${RATINGS.join('|')} (required)` },
      correction: { type: 'string', help: 'the answer it should have given' },
      comment: { type: 'string', help: 'free text' },
      ...AUTH,
      ...COMMON,
    },
  },
  health: {
    summary: 'GET /v1/health: whether the API is up (no auth)',
    options: { ...COMMON },
  },
};

/** --url as the stage URL the paths are appended to, or undefined when it is missing or not one (reported). */
export function stageUrl(values: Values, problems: string[]): URL | undefined {
  const raw = str(values.url);
  if (raw === undefined) {
    if (values.url === undefined) problems.push(`--url is missing: give the API's stage URL, e.g. --url ${EXAMPLE_URL}.`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`--url is "${raw}": use the stage URL, e.g. ${EXAMPLE_URL}.`);
    return undefined;
  }
  const issues: string[] = [];
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    issues.push(`--url is "${raw}": plain http would send prompts and credentials unencrypted; use https:// (http is accepted only for 127.0.0.1, localhost and [::1]).`);
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    issues.push(`--url is "${raw}": use an https:// stage URL, e.g. ${EXAMPLE_URL}.`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    issues.push(`--url is "${raw}": give the stage URL alone, without a query, fragment or user name.`);
  }
  if (/\/v1(\/|$)/.test(url.pathname)) {
    issues.push(`--url is "${raw}": give the stage URL without /v1/...; e.g. ${url.origin}${url.pathname.slice(0, url.pathname.search(/\/v1(\/|$)/))}.`);
  }
  problems.push(...issues);
  return issues.length === 0 ? url : undefined;
}

/** --auth, --api-key, --token and --region as one authentication; the region to sign for defaults to the stage's. */
export function authOptions(values: Values, stage: URL | undefined, problems: string[]): Auth {
  const given = str(values.auth);
  const apiKey = nonEmpty(values, 'api-key', problems);
  const token = nonEmpty(values, 'token', problems);
  if (given !== undefined && !(AUTH_MODES as readonly string[]).includes(given)) problems.push(`--auth is "${given}": use ${AUTH_MODES.join(', ')}.`);
  const mode: AuthMode = (AUTH_MODES as readonly string[]).includes(given ?? '')
    ? given as AuthMode
    : token !== undefined ? 'token' : apiKey !== undefined && values.auth === undefined ? 'api-key' : 'iam';
  if (mode === 'api-key' && values['api-key'] === undefined) problems.push('--auth api-key needs --api-key KEY.');
  if (mode === 'token' && values.token === undefined) problems.push('--auth token needs --token TOKEN (a Cognito ID or access token).');
  if (mode !== 'token' && values.token !== undefined) {
    problems.push(mode === 'iam'
      ? '--token and IAM signing both use the Authorization header: drop --token, or use --auth token.'
      : '--token is sent only with --auth token (which can send --api-key too).');
  }
  const region = str(values.region);
  if (mode !== 'iam') {
    if (values.region !== undefined) problems.push(`--region is only for signing: it has no use with --auth ${mode}.`);
    return { mode, apiKey, token };
  }
  checkRegion(region, problems);
  const hostRegion = stage === undefined ? undefined : EXECUTE_API_HOST.exec(stage.hostname)?.[1];
  if (region !== undefined && hostRegion !== undefined && region !== hostRegion) {
    problems.push(`--region is ${region} but the API is in ${hostRegion} (from --url): the signature would be refused; drop --region.`);
  }
  if (region === undefined && hostRegion === undefined && stage !== undefined && values.region === undefined) {
    problems.push(`--region is missing: ${stage.host} is not an execute-api host, so the region to sign for cannot be read from --url; pass --region, e.g. --region us-east-1.`);
  }
  return { mode, apiKey, region: region ?? hostRegion };
}

/** The JSON body of POST /v1/generate: one of prompt, messages or template, and the sampling options given. */
export function generateBody(values: Values, problems: string[], deps: Deps): string {
  const prompt = nonEmpty(values, 'prompt', problems);
  const file = str(values.messages);
  const template = nonEmpty(values, 'template', problems);
  // The API takes exactly one of them: a template brings its own prompt, a conversation its own last turn.
  const inputs = ['prompt', 'messages', 'template'].filter((o) => values[o] !== undefined);
  if (inputs.length > 1) {
    problems.push(`${inputs.map((o) => `--${o}`).join(' and ')} were ${inputs.length === 2 ? 'both' : 'all'} given: keep one (earlier turns go in the --messages file).`);
  }
  if (inputs.length === 0) problems.push('nothing to send: give one of --prompt TEXT, --messages FILE.json or --template ID.');
  const messages = file === undefined ? undefined : readMessages(file, problems, deps);
  const variables = pairs(values, 'var', problems, 'NAME', 'audience=engineers');
  if (variables !== undefined && values.template === undefined) problems.push('--var fills a template: give --template ID too.');
  const stop = strings(values.stop);
  if (stop.some((s) => s === '')) problems.push('--stop is empty: give the text that ends generation, e.g. --stop "###".');
  const maxTokens = integer(values, 'max-tokens', problems, 1);
  const temperature = boundedNumber(values, 'temperature', problems, 0, 1);
  const topP = boundedNumber(values, 'top-p', problems, 0, 1);
  return JSON.stringify({
    ...(messages === undefined ? {} : { messages }),
    ...(prompt === undefined ? {} : { prompt }),
    ...(str(values.system) === undefined ? {} : { system: str(values.system) }),
    ...(template === undefined ? {} : { template: { id: template, ...(variables === undefined ? {} : { variables }) } }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    ...(stop.length === 0 ? {} : { stop }),
    ...(values.stream === true ? { stream: true } : {}),
  });
}

function readMessages(path: string, problems: string[], deps: Deps): Message[] | undefined {
  const data = readJsonFile('messages', path, problems, deps.readFile);
  if (data === undefined) return undefined;
  // A saved request body ({"messages": [...]}) works as well as the bare list.
  const list = isRecord(data) && Array.isArray(data.messages) ? data.messages : data;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`--messages is "${path}": use a non-empty JSON list such as [{"role": "user", "content": "Hello"}].`);
    return undefined;
  }
  const issues: string[] = [];
  list.forEach((m: unknown, i) => {
    const at = `--messages "${path}", message ${i + 1}`;
    if (!isRecord(m)) {
      issues.push(`${at} is not an object: use {"role": "user", "content": "..."}.`);
      return;
    }
    if (!(ROLES as readonly unknown[]).includes(m.role)) {
      issues.push(`${at} has role ${JSON.stringify(m.role)}: use user or assistant${m.role === 'system' ? ' (system text goes in --system)' : ''}.`);
    }
    if (typeof m.content !== 'string' || m.content === '') issues.push(`${at} has no text content: "content" must be a non-empty string.`);
  });
  problems.push(...issues);
  return issues.length === 0 ? (list as Record<string, unknown>[]).map((m) => ({ role: m.role, content: m.content }) as Message) : undefined;
}

/** The JSON body of POST /v1/feedback: the rated request id, the rating, and the correction and comment given. */
export function feedbackBody(values: Values, problems: string[]): string {
  const requestId = nonEmpty(values, 'request-id', problems);
  if (values['request-id'] === undefined) problems.push('--request-id is missing: give the requestId printed by generate.');
  const rating = str(values.rating);
  if (values.rating === undefined) problems.push(`--rating is missing: use ${RATINGS.join(' or ')}.`);
  else if (rating !== undefined && !(RATINGS as readonly string[]).includes(rating)) problems.push(`--rating is "${rating}": use ${RATINGS.join(' or ')}.`);
  const correction = nonEmpty(values, 'correction', problems);
  const comment = nonEmpty(values, 'comment', problems);
  return JSON.stringify({
    requestId, rating,
    ...(correction === undefined ? {} : { correction }),
    ...(comment === undefined ? {} : { comment }),
  });
}

/** A string option that must not be empty; absent or empty (reported) gives undefined. */
function nonEmpty(values: Values, option: string, problems: string[]): string | undefined {
  const value = str(values[option]);
  if (value === '') {
    problems.push(`--${option} is empty.`);
    return undefined;
  }
  return value;
}

function boundedNumber(values: Values, option: string, problems: string[], min: number, max: number | undefined): number | undefined {
  const raw = str(values[option]);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || (max !== undefined && value > max)) {
    problems.push(`--${option} is "${raw}": use a number ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}.`);
    return undefined;
  }
  return value;
}

/** A number of seconds above 0, or undefined when absent or not one (reported). */
export function positiveNumber(values: Values, option: string, problems: string[]): number | undefined {
  const raw = str(values[option]);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    problems.push(`--${option} is "${raw}": use a number of seconds above 0, e.g. --${option} 60.`);
    return undefined;
  }
  return value;
}

/** Prints the usage problems of `command` and returns the usage exit code. */
export function fail(command: string, problems: readonly string[], io: Io): number {
  io.stderr(`${commandProblemReport('invoke', command, problems)}\n`);
  return EXIT_USAGE;
}

/** The script's help: its commands, examples and how it authenticates. */
export function usage(): string {
  return [
    'Usage: npm run invoke -- <command> --url STAGE_URL [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`),
    '',
    'Examples:',
    `  npm run invoke -- generate --url ${EXAMPLE_URL} --prompt "Summarize SigV4 in one line"`,
    `  npm run invoke -- generate --url ${EXAMPLE_URL} --prompt "Write a haiku" --stream`,
    `  npm run invoke -- feedback --url ${EXAMPLE_URL} --request-id REQUEST_ID --rating down --correction "..."`,
    `  npm run invoke -- health --url ${EXAMPLE_URL}`,
    '',
    'Auth: IAM (SigV4 with the default credential chain) unless --api-key or --token is given.',
    'Run `npm run invoke -- <command> --help` for its options. Exit codes: 0 ok; 1 API error; 2 bad usage.',
  ].join('\n');
}

/** The help of one command: its options and exit codes. */
export function commandUsage(command: string): string {
  const spec = COMMANDS[command];
  return [
    `Usage: npm run invoke -- ${command} --url STAGE_URL [options]`,
    '',
    spec.summary,
    '',
    ...optionLines(spec.options),
    '',
    'Exit codes: 0 ok; 1 the API answered an error (status, code, message and request id on stderr), was unreachable',
    'or timed out; 2 bad usage.',
  ].join('\n');
}
