// cdk-nag and the Control Tower guard validator are optional peers of the package: an app that runs the kit's
// policy checks installs them, one that brings its own checks (or none) does not. They are loaded here, when a
// check needs them, and nowhere else in the library (test/policy-checks.test.ts holds lib/ to that). Their types
// are imported with `import type` where they are used, inside function bodies, so that no declaration the package
// publishes names them.
/** The optional peers, with the versions package.json accepts (`peerDependencies`). */
export const OPTIONAL_PEERS = {
  'cdk-nag': '^3.0.2',
  '@cdklabs/cdk-validator-cfnguard': '^0.0.62',
} as const;

export type OptionalPeer = keyof typeof OPTIONAL_PEERS;

/** Thrown when a policy check needs an optional peer that is not installed. */
export class MissingPeerError extends Error {
  constructor(readonly packageName: OptionalPeer, neededBy: string) {
    super(`${neededBy} needs ${packageName}, an optional peer dependency of genai-lifecycle-cdk that is not installed: ` +
      `run \`npm install --save-dev ${packageName}@${OPTIONAL_PEERS[packageName]}\` (or leave the kit's policy checks out: \`policyChecks: false\`).`);
    this.name = 'MissingPeerError';
  }
}

/** `name` (or a file inside it), or a MissingPeerError naming the package and the command that installs it. */
export function requirePeer<T>(name: OptionalPeer, neededBy: string, file = name as string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only when a check runs
    return require(file) as T;
  } catch (error) {
    if (!isNotFound(error, name)) throw error;
    if (file !== name && installed(name)) {
      throw new Error(`${neededBy} needs ${file}, which the installed ${name} does not have: install ${name}@${OPTIONAL_PEERS[name]}.`);
    }
    throw new MissingPeerError(name, neededBy);
  }
}

/** The path of a file inside an optional peer, or a MissingPeerError. */
export function resolvePeer(name: OptionalPeer, neededBy: string, file: string): string {
  try {
    return require.resolve(file);
  } catch (error) {
    if (isNotFound(error, name)) throw new MissingPeerError(name, neededBy);
    throw error;
  }
}

function installed(name: OptionalPeer): boolean {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function isNotFound(error: unknown, name: string): boolean {
  const e = error as { code?: string; message?: string };
  return (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND') && typeof e.message === 'string' && e.message.includes(name);
}
