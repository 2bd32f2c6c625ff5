/**
 * What a Hugging Face `revision` names, checked at synth rather than when the container fails to download at
 * deploy: a full commit id (40 hexadecimal characters, pinned), a pull request ref (`refs/pr/N`), or a branch or
 * tag name (which may move). Names follow git's ref rules (git-scm.com, "git-check-ref-format", read 2026-12-02:
 * no space, control character, `~ ^ : ? * [ \`, `..`, `@{`, `//`, no leading or trailing `/`, no component
 * starting with `.` or ending in `.lock`). `<` and `>` are refused too: git allows them in a ref name, but in a
 * revision they are an example left unfilled, such as `<commit>`.
 */
export type RevisionKind = 'commit' | 'pull-request' | 'branch-or-tag';

export interface RevisionCheck {
  readonly kind?: RevisionKind;
  /** Why the revision cannot be used, with what to give instead; undefined when it can. */
  readonly problem?: string;
}

const COMMIT = /^[0-9a-f]{40}$/;
const SHORT_COMMIT = /^[0-9a-f]{7,39}$/;
const PULL_REQUEST = /^refs\/pr\/\d+$/;

export function checkRevision(revision: string): RevisionCheck {
  const shown = JSON.stringify(revision);
  if (COMMIT.test(revision)) return { kind: 'commit' };
  if (PULL_REQUEST.test(revision)) return { kind: 'pull-request' };
  if (revision.trim() === '') return { problem: 'revision is empty: give a 40-character commit id, a tag or a branch of the Hugging Face repository, or leave it out.' };
  if (/^[0-9a-fA-F]{40}$/.test(revision)) return { problem: `revision ${shown} has upper-case letters: a commit id is 40 lower-case hexadecimal characters.` };
  if (SHORT_COMMIT.test(revision)) {
    return { problem: `revision ${shown} looks like a shortened commit id: the Hub resolves full commit ids only; copy all 40 characters from the repository's commit history.` };
  }
  const bad = refNameProblem(revision);
  if (bad) return { problem: `revision ${shown} is not a commit id, tag or branch name: ${bad}. Give a 40-character commit id (pinned), a tag, or a branch.` };
  return { kind: 'branch-or-tag' };
}

function refNameProblem(name: string): string | undefined {
  if (/[<>]/.test(name)) return 'it looks like a placeholder (< >)';
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'it has a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'it has ".."';
  if (name.includes('@{') || name === '@') return 'it has "@{" or is "@"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'it has an empty path component';
  if (name.endsWith('.')) return 'it ends with "."';
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) return 'a component starts with "." or ends with ".lock"';
  return undefined;
}
