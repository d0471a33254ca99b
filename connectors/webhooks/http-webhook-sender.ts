/**
 * Posts webhooks with node:http(s): one request, no redirects followed (a 3xx is an answer, and a
 * failure), a deadline on the whole exchange, and only the first kilobyte of the answer read. The
 * SSRF guard checks the connection's address after DNS (./ssrf-guard.ts), and IP literals before
 * any connection.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AddressRefusedError, type GuardOptions, guardedLookup, literalHost, refusal } from './ssrf-guard.ts';
import type { WebhookRequest, WebhookResponse, WebhookSender } from './webhook-sender.ts';

const EXCERPT_BYTES = 1024;

export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly guard: GuardOptions = {}) {}

  post(request: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.resolve({ kind: 'refused', error: 'not a URL', latencyMs: 0 });
    }
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const literal = literalHost(url);
    const why = literal ? refusal(literal, port, this.guard) : undefined;
    if (why) return Promise.resolve({ kind: 'refused', error: why, latencyMs: 0 });

    return new Promise((resolve) => {
      let settled = false;
      const finish = (response: WebhookResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(response);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, {
        method: 'POST',
        headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
        lookup: guardedLookup(port, this.guard),
        agent: false,
      });
      const deadline = setTimeout(() => {
        req.destroy();
        finish({
          kind: 'failed',
          error: `no answer within ${request.timeoutMs / 1000} s`,
          latencyMs: latency(),
        });
      }, request.timeoutMs);
      req.on('error', (error: Error) => {
        const refused = error instanceof AddressRefusedError;
        finish({ kind: refused ? 'refused' : 'failed', error: error.message, latencyMs: latency() });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const headers = Object.fromEntries(
            Object.entries(res.headers).flatMap(([k, v]) =>
              v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]],
            ),
          );
          finish({
            kind: 'answered',
            status: res.statusCode ?? 0,
            headers,
            excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'),
            latencyMs: latency(),
          });
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= EXCERPT_BYTES) done();
        });
        res.on('end', done);
        res.on('error', done);
      });
      req.end(request.body);
    });
  }
}
