// Loaded only when a record cannot reach S3 and goes to the dead-letter queue (see README.md).
export { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
