/**
 * Points the AWS SDK at the local stand-ins before any test module creates a client, exactly as
 * the hub does for `npm start`: handlers never learn where they run.
 */
import { inject } from 'vitest';

process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamodbEndpoint');
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.AWS_XRAY_MANUAL_MODE = 'true';
// Short, so the revocation test can watch a cached key expire.
process.env.API_KEY_CACHE_SECONDS = '1';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
