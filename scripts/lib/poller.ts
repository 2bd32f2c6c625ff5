/**
 * What the scripts that watch an AWS job until it ends (`fine-tune watch`, `ingest`) share: `--poll` and `--timeout`,
 * the wait between polls that gives up once the timeout has passed, and the progress lines on stderr, each stamped
 * with the elapsed time, that tell when nothing has been printed for a heartbeat's length.
 */
import { formatElapsed } from './optimization/wait';
import { integer, type ClockDeps, type Values } from './cli';

/** Seconds without a printed line after which a watch says again what it is waiting for, so a long job shows it is alive. */
export const HEARTBEAT_SECONDS = 300;

/** How often to poll, and how long to watch before giving up (undefined: until the job ends). */
export interface PollTiming {
  readonly pollSeconds: number;
  readonly timeoutSeconds: number | undefined;
}

/** `--poll` (whole seconds, default `defaultPollSeconds`) and `--timeout` (whole seconds, default none); bad values are reported. */
export function pollTiming(values: Values, problems: string[], defaultPollSeconds: number): PollTiming {
  return { pollSeconds: integer(values, 'poll', problems, 1) ?? defaultPollSeconds, timeoutSeconds: integer(values, 'timeout', problems, 1) };
}

/** The wait before the next poll: slept, or not, because the timeout has passed. */
export type Wait =
  | { readonly timedOut: false }
  /** `message` says so, e.g. `gave up after 00:00:25 (--timeout 25 s)`, for the caller to finish with what is still running. */
  | { readonly timedOut: true; readonly message: string };

/** The clock of one watch: counts the timeout from when it was made. */
export class Poller {
  /** When the watch began, in `now()` milliseconds. */
  public readonly startedAt: number;

  public constructor(private readonly clock: Required<ClockDeps>, private readonly timing: PollTiming) {
    this.startedAt = clock.now();
  }

  /**
   * Sleeps until the next poll is due, or, once the timeout has passed, returns without sleeping. The last sleep is cut
   * short so the final poll lands on the timeout, not up to a poll interval after it.
   */
  public async next(): Promise<Wait> {
    const waited = (this.clock.now() - this.startedAt) / 1000;
    const remaining = this.timing.timeoutSeconds === undefined ? Infinity : this.timing.timeoutSeconds - waited;
    if (remaining <= 0) return { timedOut: true, message: `gave up after ${formatElapsed(waited)} (--timeout ${this.timing.timeoutSeconds} s)` };
    await this.clock.sleep(Math.min(this.timing.pollSeconds, remaining) * 1000);
    return { timedOut: false };
  }
}

/** The progress lines of one watch: `[HH:MM:SS] text`, with `elapsed()` (whole seconds) as the stamp. */
export class ProgressLog {
  private lastLineAt = 0;

  public constructor(private readonly write: (text: string) => void, private readonly elapsed: () => number) {}

  /** Writes one stamped line. */
  public line(text: string): void {
    this.write(`[${formatElapsed(this.elapsed())}] ${text}`);
    this.lastLineAt = this.elapsed();
  }

  /** Counts the heartbeat from now, as after a line: for text written without a stamp. */
  public mark(): void {
    this.lastLineAt = this.elapsed();
  }

  /** Whether HEARTBEAT_SECONDS have passed since the last line. */
  public get quiet(): boolean {
    return this.elapsed() - this.lastLineAt >= HEARTBEAT_SECONDS;
  }
}
