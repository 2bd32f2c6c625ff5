/**
 * The review of a synthesized cloud assembly for a pull request: capacity and cost, IAM, policy findings and,
 * against the base branch, what a change adds, removes and replaces. Pure: `scripts/review.ts` reads the files.
 */
export * from './assembly';
export * from './capacity';
export * from './diff';
export * from './iam';
export * from './intrinsics';
export * from './markdown';
export * from './prices';
export * from './report';
export * from './schedule';
export * from './traffic';
export * from './usage';
export * from './validation';
