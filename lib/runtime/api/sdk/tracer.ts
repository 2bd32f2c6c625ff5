// Loaded at init only when active tracing is on: Powertools' Tracer and the X-Ray SDK behind it (see README.md).
export { Tracer } from '@aws-lambda-powertools/tracer';
