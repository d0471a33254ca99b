/**
 * A local SNS endpoint for SMS: no library exists for this, so it speaks just enough of the SNS
 * Query API (form-encoded requests, XML responses) for `@aws-sdk/client-sns` to publish text
 * messages to phone numbers and manage opt-outs, and keeps what was sent in an outbox:
 *   GET /         the outbox page (newest first; refreshes itself)
 *   GET /messages the outbox as JSON, `?phoneNumber=` to filter
 *   DELETE /messages  empties the outbox
 *   POST /inbound {from, body}  a reply from a phone; "STOP" opts the number out, as on AWS,
 *                 and every reply goes to the inbound handler the hub registers
 * With a data directory the outbox and opt-outs survive restarts.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface SmsMessage {
  messageId: string;
  phoneNumber: string;
  message: string;
  smsType: 'Transactional' | 'Promotional';
  senderId?: string;
  at: string;
  /** `delivered`, or why it was not: the number opted out. */
  status: 'delivered' | 'opted-out';
}

export interface InboundSms {
  from: string;
  body: string;
  at: string;
}

export interface SmsStandIn {
  endpoint: string;
  outboxUrl: string;
  port: number;
  messages(): SmsMessage[];
  /** Where replies from phones go (the inbound-SMS function, on AWS fed by SNS). */
  onInbound(handler: (sms: InboundSms) => Promise<void>): void;
  close(): Promise<void>;
}

export interface SmsStandInOptions {
  port: number;
  host?: string;
  dataDir?: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_SMS_CHARS = 1600;
const STOP_WORDS = new Set(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'arret']);
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

const escapeXml = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  );
const escapeHtml = escapeXml;

class SnsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** MessageAttributes.entry.N.Name / .Value.StringValue → { name: value }. */
function messageAttributes(params: URLSearchParams): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [key, name] of params) {
    const m = /^MessageAttributes\.entry\.(\d+)\.Name$/.exec(key);
    if (!m) continue;
    const value = params.get(`MessageAttributes.entry.${m[1]}.Value.StringValue`);
    if (value !== null) attributes[name] = value;
  }
  return attributes;
}

function xmlResponse(action: string, result: string, requestId: string): string {
  return `<?xml version="1.0"?>\n<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export async function startSmsStandIn(options: SmsStandInOptions): Promise<SmsStandIn> {
  const outboxFile = options.dataDir ? join(options.dataDir, 'sms-outbox.jsonl') : undefined;
  const optOutFile = options.dataDir ? join(options.dataDir, 'sms-opt-outs.json') : undefined;
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });

  const outbox: SmsMessage[] =
    outboxFile && existsSync(outboxFile)
      ? readFileSync(outboxFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as SmsMessage)
      : [];
  const optedOut = new Set<string>(
    optOutFile && existsSync(optOutFile) ? (JSON.parse(readFileSync(optOutFile, 'utf8')) as string[]) : [],
  );
  const saveOptOuts = () => optOutFile && writeFileSync(optOutFile, JSON.stringify([...optedOut]));
  let inboundHandler: ((sms: InboundSms) => Promise<void>) | undefined;

  function publish(params: URLSearchParams): string {
    const phoneNumber = params.get('PhoneNumber');
    if (params.get('TopicArn') || params.get('TargetArn')) {
      throw new SnsError(
        'InvalidParameter',
        'Invalid parameter: this local endpoint delivers SMS only; publish with PhoneNumber',
      );
    }
    if (!phoneNumber) throw new SnsError('InvalidParameter', 'Invalid parameter: PhoneNumber is required');
    if (!E164.test(phoneNumber))
      throw new SnsError(
        'InvalidParameter',
        `Invalid parameter: PhoneNumber Reason: ${phoneNumber} is not E.164`,
      );
    const message = params.get('Message') ?? '';
    if (message.length === 0) throw new SnsError('InvalidParameter', 'Invalid parameter: Empty message');
    if (message.length > MAX_SMS_CHARS)
      throw new SnsError('InvalidParameter', `Invalid parameter: Message too long (max ${MAX_SMS_CHARS})`);
    const attributes = messageAttributes(params);
    const smsType = attributes['AWS.SNS.SMS.SMSType'] === 'Promotional' ? 'Promotional' : 'Transactional';
    const senderId = attributes['AWS.SNS.SMS.SenderID'];
    const sms: SmsMessage = {
      messageId: randomUUID(),
      phoneNumber,
      message,
      smsType,
      ...(senderId ? { senderId } : {}),
      at: new Date().toISOString(),
      status: optedOut.has(phoneNumber) ? 'opted-out' : 'delivered',
    };
    outbox.push(sms);
    if (outboxFile) appendFileSync(outboxFile, `${JSON.stringify(sms)}\n`);
    return `<MessageId>${sms.messageId}</MessageId>`;
  }

  function query(action: string, params: URLSearchParams): string {
    switch (action) {
      case 'Publish':
        return publish(params);
      case 'CheckIfPhoneNumberIsOptedOut': {
        const phoneNumber = params.get('phoneNumber') ?? '';
        if (!E164.test(phoneNumber)) throw new SnsError('InvalidParameter', 'Invalid parameter: phoneNumber');
        return `<isOptedOut>${optedOut.has(phoneNumber)}</isOptedOut>`;
      }
      case 'ListPhoneNumbersOptedOut':
        return `<phoneNumbers>${[...optedOut].map((p) => `<member>${escapeXml(p)}</member>`).join('')}</phoneNumbers>`;
      case 'OptInPhoneNumber': {
        const phoneNumber = params.get('phoneNumber') ?? '';
        optedOut.delete(phoneNumber);
        saveOptOuts();
        return '';
      }
      case 'GetSMSAttributes':
        return '<attributes><entry><key>DefaultSMSType</key><value>Transactional</value></entry></attributes>';
      case 'SetSMSAttributes':
        return '';
      default:
        throw new SnsError('InvalidAction', `The action ${action} is not valid for this local SMS endpoint`);
    }
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 256 * 1024) throw new SnsError('RequestEntityTooLarge', 'Request too large', 413);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function inbound(body: string, res: ServerResponse) {
    let parsed: { from?: unknown; body?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      parsed = Object.fromEntries(new URLSearchParams(body));
    }
    const from = typeof parsed.from === 'string' ? parsed.from.trim() : '';
    const text = typeof parsed.body === 'string' ? parsed.body.trim() : '';
    if (!E164.test(from) || text.length === 0 || text.length > MAX_SMS_CHARS) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'send {"from": "+E.164 number", "body": "text"}' }));
      return;
    }
    if (STOP_WORDS.has(text.toLowerCase())) {
      optedOut.add(from);
      saveOptOuts();
    }
    await inboundHandler?.({ from, body: text, at: new Date().toISOString() });
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ accepted: true, optedOut: optedOut.has(from) }));
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = randomUUID();
    readBody(req)
      .then(async (body) => {
        if (req.method === 'POST' && url.pathname === '/') {
          const params = new URLSearchParams(body);
          const action = params.get('Action') ?? '';
          const result = query(action, params);
          res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
          res.end(xmlResponse(action, result, requestId));
        } else if (req.method === 'POST' && url.pathname === '/inbound') {
          await inbound(body, res);
        } else if (req.method === 'GET' && url.pathname === '/messages') {
          const phone = url.searchParams.get('phoneNumber');
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(outbox.filter((m) => !phone || m.phoneNumber === phone)));
        } else if (req.method === 'DELETE' && url.pathname === '/messages') {
          outbox.length = 0;
          if (outboxFile) writeFileSync(outboxFile, '');
          res.writeHead(204).end();
        } else if (req.method === 'GET' && url.pathname === '/') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(outboxPage(outbox, optedOut));
        } else {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ message: 'Not Found' }));
        }
      })
      .catch((error: unknown) => {
        const e = error instanceof SnsError ? error : new SnsError('InternalError', String(error), 500);
        res.writeHead(e.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(
          `<?xml version="1.0"?>\n<ErrorResponse xmlns="${XMLNS}"><Error><Type>${e.status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        );
      });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${host}:${port}`;
  return {
    endpoint,
    outboxUrl: `${endpoint}/`,
    port,
    messages: () => [...outbox],
    onInbound: (handler) => {
      inboundHandler = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function outboxPage(outbox: SmsMessage[], optedOut: Set<string>): string {
  const rows = [...outbox]
    .reverse()
    .map(
      (m) => `<li class="${m.status}">
  <div class="meta"><strong>${escapeHtml(m.phoneNumber)}</strong> · ${escapeHtml(m.at.replace('T', ' ').slice(0, 19))} UTC · ${m.smsType}${
    m.status === 'opted-out' ? ' · <em>not delivered: opted out</em>' : ''
  }</div>
  <div class="text">${escapeHtml(m.message)}</div>
  <form method="post" action="/inbound" onsubmit="return reply(event)"><input type="hidden" name="from" value="${escapeHtml(m.phoneNumber)}">
  <input name="body" placeholder="Reply as ${escapeHtml(m.phoneNumber)}" maxlength="${MAX_SMS_CHARS}" aria-label="Reply"><button>Reply</button></form>
</li>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>SMS outbox — Junction local</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.3rem}ul{list-style:none;padding:0}li{border:1px solid #d0d7de;border-radius:10px;padding:.7rem .9rem;margin:.6rem 0}
li.opted-out{opacity:.6}.meta{color:#57606a;font-size:.85rem}.text{white-space:pre-wrap;margin:.35rem 0;font-size:1.05rem}
form{display:flex;gap:.4rem}input[name=body]{flex:1;padding:.35rem}.empty{color:#57606a}</style></head>
<body><h1>SMS outbox</h1><p class="meta">${outbox.length} message(s) · opted out: ${optedOut.size ? [...optedOut].map(escapeHtml).join(', ') : 'none'} · JSON at <a href="/messages">/messages</a></p>
<ul>${rows || '<li class="empty">Nothing sent yet.</li>'}</ul>
<script>
async function reply(e){e.preventDefault();const f=e.target;const r=await fetch('/inbound',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({from:f.from.value,body:f.body.value})});if(r.ok){f.body.value='';location.reload()}else alert('Reply refused: '+(await r.text()))}
setTimeout(()=>{if(!document.activeElement||document.activeElement.name!=='body')location.reload()},5000);
</script></body></html>`;
}
