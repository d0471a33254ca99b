/**
 * Issues an API key straight into a deployed records table — how the first admin key comes to
 * exist on AWS, before any key could call the API. Prints the key once, on stdout alone, so it
 * can be piped into a secret store; everything else goes to stderr.
 *
 *   npm run create-api-key -- --table <RecordsTableName output> --role admin --name "Ops"
 *
 * Uses the caller's AWS credentials and region (AWS_PROFILE, AWS_REGION or --region). Against
 * DynamoDB Local, set AWS_ENDPOINT_URL_DYNAMODB.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GRANTS, PRICING_GRANT } from '#functions/records/use-cases/ownership';
import { ROLES, Role, recordId, text } from '#schemas/common';
import { ApiKeyStore } from '#store/api-key-store';

const USAGE = `Usage: npm run create-api-key -- --table <name> --role <role> --name <label> [--user <usr_id>] [--grant <grant>]… [--region <region>]

  --table   the records table: the RecordsTableName output of the JunctionData stack
  --role    one of: ${ROLES.join(', ')}
  --name    who or what holds the key, e.g. "Ops" or "ERP sync"
  --user    the staff user (usr_…) the key acts for, when it is a person's key
  --grant   a permission beyond the role, repeatable; one of: ${GRANTS.join(', ')}
            (${PRICING_GRANT}: an integration key may set product prices and costs)
  --region  the table's region, if not the one of your AWS profile or AWS_REGION`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        table: { type: 'string' },
        role: { type: 'string' },
        name: { type: 'string' },
        user: { type: 'string' },
        grant: { type: 'string', multiple: true },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${USAGE}`);
  }
})();

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!values.table || !values.role || !values.name)
  fail(`--table, --role and --name are required.\n\n${USAGE}`);

const role = Role.safeParse(values.role);
if (!role.success) fail(`--role must be one of: ${ROLES.join(', ')} (got "${values.role}").`);
const name = text(100).safeParse(values.name);
if (!name.success) fail(`--name ${name.error.issues[0]?.message ?? 'is invalid'}.`);
const user = values.user === undefined ? undefined : recordId('usr').safeParse(values.user);
if (user && !user.success) fail(`--user ${user.error.issues[0]?.message ?? 'is invalid'}.`);
const grants = values.grant ?? [];
for (const grant of grants)
  if (!(GRANTS as readonly string[]).includes(grant))
    fail(`--grant must be one of: ${GRANTS.join(', ')} (got "${grant}").`);

// The CLI runs once on an operator's machine; Node-version notices from the SDK are noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const client = new DynamoDBClient(values.region ? { region: values.region } : {});
const store = new ApiKeyStore(
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
  values.table,
);

try {
  const { key, record } = await store.issue(name.data, role.data, {
    ...(user?.data ? { userId: user.data } : {}),
    ...(grants.length ? { grants } : {}),
  });
  const granted = record.grants?.length ? ` and grants ${record.grants.join(', ')}` : '';
  process.stderr.write(
    `Issued ${record.keyId} "${record.name}" with role ${record.role}${granted} in table ${values.table}.\n` +
      'The key follows. It is shown only now (the table keeps a SHA-256 digest): store it in a secret\n' +
      'manager, and send it in the x-api-key header.\n\n',
  );
  process.stdout.write(`${key}\n`);
} catch (error) {
  const { name: errorName, message } = error as Error;
  const region = await client.config.region().catch(() => 'the default region');
  if (errorName === 'ResourceNotFoundException') {
    fail(`No table "${values.table}" in ${region}: pass the RecordsTableName output of JunctionData.`, 1);
  }
  if (errorName === 'CredentialsProviderError') {
    fail('No AWS credentials found: sign in (aws sso login, AWS_PROFILE=…) and try again.', 1);
  }
  fail(`Could not issue the key (${errorName}): ${message}`, 1);
} finally {
  client.destroy();
}
