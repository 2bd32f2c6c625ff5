/**
 * Provenance shared by every compatibility table: each row says where its facts were read (a repository
 * path at a commit or tag, or a documentation page title) and when. A row whose facts are not confirmed in a
 * primary source carries `unconfirmed`, saying what is missing.
 */

/** The date every table in this folder was read, unless a row says otherwise. */
export const READ_DATE = '2026-12-02';

/** Where a fact was read, and when. */
export interface SourceRef {
  /**
   * A repository path at a commit or tag (`owner/repo@commit path`), a documentation page title with its
   * address, or an issue (`owner/repo#123`). Several sources are joined with `; `.
   */
  readonly source: string;
  /** ISO date (YYYY-MM-DD) the source was read. */
  readonly read: string;
  /** Set when the fact is not confirmed in a primary source: what is missing or inferred. */
  readonly unconfirmed?: string;
}

/** A source read on `READ_DATE`. */
export function sourced(source: string, unconfirmed?: string): SourceRef {
  return unconfirmed === undefined ? { source, read: READ_DATE } : { source, read: READ_DATE, unconfirmed };
}

/** Region ids as AWS spells them, including GovCloud, China, ISO and European Sovereign Cloud partitions. */
export const REGION_ID_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;
