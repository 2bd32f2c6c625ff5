/**
 * The vocabulary of `npm run ingest`: its exit codes and limits, what it prints with --json, and what the watch of
 * an ingestion job runs with.
 */
import type { BedrockAgentClient, IngestionJobStatistics } from '@aws-sdk/client-bedrock-agent';
import type { ClockDeps, Io as Writers } from '../cli';

/** Each writer adds a newline to the text. */
export type Io = Writers;

export interface Deps extends ClockDeps {
  /** The client for `--region` (undefined: the SDK's default chain). @default a new BedrockAgentClient */
  readonly createClient?: (region: string | undefined) => BedrockAgentClient;
}

export const EXIT_FAILED = 1;

/** Seconds between polls by default: a few hundred documents take a minute or two. */
export const DEFAULT_POLL_SECONDS = 10;
/** StartIngestionJob's limit on `description`. */
export const MAX_DESCRIPTION_LENGTH = 200;
/** The failure reasons the display prints; `--json` has all of them. */
export const MAX_REASONS_SHOWN = 10;

/** What `--json` prints: the same fields whatever the outcome. */
export interface Report {
  readonly knowledgeBaseId: string;
  readonly dataSourceId: string;
  /** The job started or watched; null when none was. */
  readonly ingestionJobId: string | null;
  /** False when --watch-running watched a job that was already running. */
  readonly started: boolean;
  /** The job's last status: STARTING, IN_PROGRESS, STOPPING, COMPLETE, FAILED or STOPPED; null when there is no job. */
  readonly status: string | null;
  /** The job's last statistics, as Bedrock returns them (IngestionJobStatistics). */
  readonly statistics: IngestionJobStatistics | null;
  /** Bedrock's failureReasons: why the job FAILED, or why documents failed in a COMPLETE job. */
  readonly failureReasons: readonly string[];
  readonly startedAt: string | null;
  readonly updatedAt: string | null;
  /** Seconds since the job started; to its last update once it ended. */
  readonly elapsedSeconds: number;
  /** Why the script gave up without an outcome: an API error, a running job, or --timeout. */
  readonly error: string | null;
}

/** The knowledge base and the data source synced. */
export interface Ids { readonly knowledgeBaseId: string; readonly dataSourceId: string }

/** What the script runs with once its options are checked: the writers, the client, the clock and the output mode. */
export interface Context {
  readonly io: Io;
  readonly client: BedrockAgentClient;
  readonly region: string;
  readonly ids: Ids;
  readonly now: () => number;
  readonly sleep: (milliseconds: number) => Promise<void>;
  readonly asJson: boolean;
}
