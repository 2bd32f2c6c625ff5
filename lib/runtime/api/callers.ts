// Who is calling, from what API Gateway put in the proxy event's requestContext after authorizing the request
// (the caller cannot set it): the IAM principal of a SigV4-signed request, the Cognito user of a user-pool
// token, or the API key. Records keep a hash of the principal, never the principal or a key itself, so that
// an answer can be rated only by whoever asked for it, or by a reviewer the deployment names.
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export type CallerKind = 'iam' | 'cognito' | 'api-key';

export interface Caller {
  /** `<kind>:<first 32 hex digits of SHA-256 of the principal>`: stable per principal, and reveals none. */
  readonly id: string;
  readonly kind: CallerKind;
  /** The principal is one the deployment allows to rate any answer. */
  readonly reviewer: boolean;
}

/** The principals that may rate any answer (FEEDBACK_REVIEWER_* in the handler's environment, read by ./settings). */
export interface Reviewers {
  /** IAM role ARNs (whose sessions review) or IAM user ARNs. */
  readonly principals: readonly string[];
  /** Cognito user pool groups. */
  readonly groups: readonly string[];
  /** API key ids (not the keys). */
  readonly apiKeyIds: readonly string[];
}

export const NO_REVIEWERS: Reviewers = { principals: [], groups: [], apiKeyIds: [] };

/**
 * The caller of a request, or undefined when API Gateway authenticated nobody (a method without authorization).
 * Sources (API Gateway developer guide, "$context variables"): `identity.userArn` is the effective IAM user or
 * assumed-role session after SigV4 authentication; `authorizer.claims` holds a Cognito user pool token's claims,
 * every value a string, `sub` the user's id and `cognito:groups` the groups; `identity.apiKeyId` is the id of the
 * key a key-required method was called with (`identity.apiKey`, the key itself, is a secret and never read).
 */
export function callerOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>, reviewers: Reviewers = NO_REVIEWERS): Caller | undefined {
  const context = event.requestContext as Partial<APIGatewayProxyEvent['requestContext']> | undefined;
  const claims = (context?.authorizer as { claims?: Record<string, unknown> } | null | undefined)?.claims;
  if (claims && typeof claims.sub === 'string' && claims.sub !== '') {
    const groups = typeof claims['cognito:groups'] === 'string' ? claims['cognito:groups'].replace(/^\[|\]$/g, '').split(/[,\s]+/).filter(Boolean) : [];
    const issuer = typeof claims.iss === 'string' ? claims.iss : '';
    return caller('cognito', `${issuer}|${claims.sub}`, groups.some((g) => reviewers.groups.includes(g)));
  }
  const identity = context?.identity;
  if (typeof identity?.userArn === 'string' && identity.userArn !== '') {
    return caller('iam', identity.userArn, reviewers.principals.some((p) => principalMatches(p, identity.userArn!)));
  }
  if (typeof identity?.apiKeyId === 'string' && identity.apiKeyId !== '') {
    return caller('api-key', identity.apiKeyId, reviewers.apiKeyIds.includes(identity.apiKeyId));
  }
  return undefined;
}

function caller(kind: CallerKind, principal: string, reviewer: boolean): Caller {
  return { kind, id: `${kind}:${createHash('sha256').update(`${kind}:${principal}`).digest('hex').slice(0, 32)}`, reviewer };
}

/**
 * A reviewer ARN matches the caller's: an IAM role matches every session of it
 * (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`; the session ARN names the role without its path), any other
 * ARN only itself.
 */
export function principalMatches(reviewerArn: string, userArn: string): boolean {
  if (reviewerArn === userArn) return true;
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(reviewerArn);
  if (!role) return false;
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(userArn);
  return session !== null && session[1] === role[1] && session[2] === role[2] && session[3] === role[3];
}
