// Turns every failure into an HTTP answer with a stable code and a message safe to show a caller: no
// stack traces, no endpoint, model ARN or bucket names. The details go to the log, not the response.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Seconds, for 429 and 503. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, field?: string) => new ApiError(400, 'invalid_request', message, field);

const THROTTLED = new Set(['ThrottlingException', 'ServiceQuotaExceededException', 'TooManyRequestsException']);
const TIMED_OUT = new Set(['ModelTimeoutException', 'AbortError', 'TimeoutError', 'RequestTimeout']);
const MODEL_FAILED = new Set([
  'ModelError', 'ModelErrorException', 'ModelStreamError', 'ModelStreamErrorException', 'ModelNotReadyException',
  'ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure', 'InternalServerException',
  'InternalStreamFailure', 'InternalDependencyException', 'ResourceNotFoundException', 'AccessDeniedException',
]);

/** The HTTP answer for an error thrown by a backend or the handler itself. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (THROTTLED.has(name)) return new ApiError(429, 'model_throttled', 'The model is receiving too many requests; retry after the delay given.', undefined, 2);
  if (TIMED_OUT.has(name)) return new ApiError(504, 'model_timeout', 'The model did not answer in time.');
  if (name === 'ValidationException' || name === 'ValidationError') {
    return new ApiError(400, 'model_rejected_request', 'The model rejected the request; check the prompt length and generation parameters.');
  }
  if (MODEL_FAILED.has(name)) return new ApiError(502, 'model_error', 'The model failed to answer.');
  return new ApiError(500, 'internal_error', 'The request failed unexpectedly.');
}
