/**
 * Environment for the modules that read configuration when imported (config is parsed once, at
 * cold start). Import this before any application module. Nothing in a unit test may reach a
 * network: the DynamoDB endpoint points at a closed local port, so a call that escapes its mock
 * fails at once instead of reaching AWS.
 */
process.env.AWS_REGION = 'eu-central-1';
process.env.AWS_ACCESS_KEY_ID = 'unit-test';
process.env.AWS_SECRET_ACCESS_KEY = 'unit-test';
process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
process.env.TABLE_NAME = 'records';
process.env.IDEMPOTENCY_TABLE_NAME = 'idempotency';
process.env.POWERTOOLS_SERVICE_NAME = 'junction';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.AWS_XRAY_MANUAL_MODE = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
delete process.env.POWERTOOLS_DEV;
delete process.env.AWS_LAMBDA_LOG_LEVEL;
delete process.env.USER_POOL_ID;
delete process.env.USER_POOL_CLIENT_ID;
delete process.env.API_KEY_CACHE_SECONDS;
