/**
 * The Powertools singletons every handler shares. Created once per execution environment.
 *
 * Personal data stays out of logs: the JSON replacer masks anything shaped like an email
 * address or an international phone number, at every level (debug sampling would otherwise log
 * it in production). Local troubleshooting may turn masking off with LOG_PERSONAL_DATA=true.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';

const SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? 'junction';
const MASK = process.env.LOG_PERSONAL_DATA !== 'true';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PHONE = /\+\d[\d\s()./-]{6,24}\d/g;

export function maskPersonalData(value: string): string {
  return value.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

export const logger: Logger = new Logger({
  serviceName: SERVICE,
  jsonReplacerFn: (_key: string, value: unknown) =>
    MASK && typeof value === 'string' ? maskPersonalData(value) : value,
});

export const metrics = new Metrics({ namespace: 'Junction', serviceName: SERVICE });

export const tracer = new Tracer({ serviceName: SERVICE });

/**
 * Flushes metrics after each invocation, like Powertools' logMetrics, but only when the
 * invocation recorded some: logMetrics logs a warning on every invocation without metrics,
 * which on a read-heavy API is a log line per GET.
 */
export const publishMetrics = (): MiddlewareObj => {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: async () => {
      metrics.captureColdStartMetric();
    },
    after: flush,
    onError: flush,
  };
};
