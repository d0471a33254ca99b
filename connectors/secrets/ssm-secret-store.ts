/**
 * Secrets in SSM Parameter Store as SecureString parameters (KMS-encrypted at rest), read with
 * decryption and cached for a short while per execution environment, so a busy delivery function
 * does not call SSM per request; a write clears its own entry at once. The local hub serves the
 * same API (local/ssm-local.ts).
 */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { tracer } from '#platform/observability';
import type { SecretStore } from './secret-store.ts';

export class SsmSecretStore implements SecretStore {
  private readonly cache = new Map<string, { value: string | undefined; until: number }>();

  constructor(
    private readonly ssm: SSMClient = tracer.captureAWSv3Client(new SSMClient({})),
    private readonly maxAgeMs = 30_000,
  ) {}

  async get(name: string): Promise<string | undefined> {
    const cached = this.cache.get(name);
    if (cached && cached.until > Date.now()) return cached.value;
    let value: string | undefined;
    try {
      const { Parameter } = await this.ssm.send(
        new GetParameterCommand({ Name: name, WithDecryption: true }),
      );
      value = Parameter?.Value;
    } catch (error) {
      if (!(error instanceof ParameterNotFound) && (error as Error).name !== 'ParameterNotFound') throw error;
    }
    this.cache.set(name, { value, until: Date.now() + this.maxAgeMs });
    return value;
  }

  async put(name: string, value: string): Promise<void> {
    await this.ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: value,
        Type: 'SecureString',
        Overwrite: true,
        Tier: 'Standard',
      }),
    );
    this.cache.delete(name);
  }

  async delete(name: string): Promise<void> {
    try {
      await this.ssm.send(new DeleteParameterCommand({ Name: name }));
    } catch (error) {
      if (!(error instanceof ParameterNotFound) && (error as Error).name !== 'ParameterNotFound') throw error;
    }
    this.cache.delete(name);
  }
}
