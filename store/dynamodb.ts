/**
 * The DynamoDB document client, one per execution environment. The endpoint comes from
 * `AWS_ENDPOINT_URL_DYNAMODB` when set (the local hub sets it), from the region otherwise: the
 * SDK reads that variable itself, so nothing here knows where it runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '#platform/observability';

export const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));

export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
});
