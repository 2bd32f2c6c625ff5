// Loaded when the first record is written or the first feedback read, after the first answer (see README.md).
export { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
