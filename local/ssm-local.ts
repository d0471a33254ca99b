/**
 * A local SSM Parameter Store: just the calls Junction makes (GetParameter, PutParameter,
 * DeleteParameter) in the service's own JSON 1.1 protocol, so `@aws-sdk/client-ssm` works against
 * it unchanged. Webhook signing secrets live here locally, as they live in SSM on AWS. Values are
 * kept as given (SecureString encryption is KMS's job on AWS); with a data directory they survive
 * restarts, in a file readable by its owner only.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface SsmStandIn {
  endpoint: string;
  close(): Promise<void>;
}

interface Parameter {
  Name: string;
  Type: string;
  Value: string;
  Version: number;
  LastModifiedDate: number;
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export async function startSsmStandIn(options: {
  host: string;
  port: number;
  dataDir?: string;
}): Promise<SsmStandIn> {
  const file = options.dataDir ? join(options.dataDir, 'ssm-parameters.json') : undefined;
  const parameters = new Map<string, Parameter>(
    file && existsSync(file)
      ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, Parameter>)
      : [],
  );
  const save = () => {
    if (file) writeFileSync(file, JSON.stringify(Object.fromEntries(parameters)), { mode: 0o600 });
  };

  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSSM\./, '');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    const notFound = (name: string) =>
      reply(400, { __type: 'ParameterNotFound', message: `Parameter ${name} not found.` });
    let input: { Name?: string; Value?: string; Type?: string; Overwrite?: boolean };
    try {
      input = JSON.parse((await read(req)) || '{}') as typeof input;
    } catch {
      return reply(400, { __type: 'SerializationException', message: 'not JSON' });
    }
    const name = input.Name ?? '';
    if (!name) return reply(400, { __type: 'ValidationException', message: 'Name is required' });
    switch (target) {
      case 'GetParameter': {
        const found = parameters.get(name);
        return found
          ? reply(200, {
              Parameter: {
                ...found,
                ARN: `arn:aws:ssm:local:000000000000:parameter${name}`,
                DataType: 'text',
              },
            })
          : notFound(name);
      }
      case 'PutParameter': {
        const existing = parameters.get(name);
        if (existing && !input.Overwrite)
          return reply(400, {
            __type: 'ParameterAlreadyExists',
            message: `The parameter ${name} already exists.`,
          });
        const version = (existing?.Version ?? 0) + 1;
        parameters.set(name, {
          Name: name,
          Type: input.Type ?? 'String',
          Value: input.Value ?? '',
          Version: version,
          LastModifiedDate: Date.now() / 1000,
        });
        save();
        return reply(200, { Version: version, Tier: 'Standard' });
      }
      case 'DeleteParameter':
        if (!parameters.delete(name)) return notFound(name);
        save();
        return reply(200, {});
      default:
        return reply(400, {
          __type: 'InvalidAction',
          message: `${target} is not supported by the local SSM`,
        });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${options.host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
