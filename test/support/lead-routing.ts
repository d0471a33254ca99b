/** A sales organisation and a lead routing for the lead tests, built through the API. */
import type { ApiClient } from './hub.ts';

// biome-ignore lint/suspicious/noExplicitAny: routing content is JSON the tests shape freely
type Json = any;

export class LeadOrg {
  readonly users: Record<string, string> = {};
  readonly queues: Record<string, string> = {};
  constructor(readonly api: ApiClient) {}

  async user(key: string, body: Record<string, unknown> = {}): Promise<string> {
    const response = await this.api.post('/v1/users', {
      name: key[0]?.toUpperCase() + key.slice(1),
      email: `${key}@sales.example.com`,
      role: 'sales',
      ...body,
    });
    if (response.status !== 201) throw new Error(`user ${key}: ${response.status} ${response.text}`);
    this.users[key] = response.body.id;
    return response.body.id;
  }

  async queue(key: string, members: string[], strategy = 'round-robin'): Promise<string> {
    const response = await this.api.post('/v1/queues', {
      name: key,
      memberIds: members.map((m) => this.users[m]),
      strategy,
    });
    if (response.status !== 201) throw new Error(`queue ${key}: ${response.status} ${response.text}`);
    this.queues[key] = response.body.id;
    return response.body.id;
  }

  /** Creates a lead-routing document with its first version, active. */
  async routing(content: Json): Promise<string> {
    const response = await this.api.post('/v1/admin/lead-routing', { content, activate: true });
    if (response.status !== 201) throw new Error(`routing: ${response.status} ${response.text}`);
    return response.body.id;
  }

  name(userId: string): string {
    const key = Object.entries(this.users).find(([, id]) => id === userId)?.[0] ?? userId;
    return key[0]?.toUpperCase() + key.slice(1);
  }
}

let counter = 0;
/** A lead body with a fresh email, so tests never merge into each other's leads by accident. */
export const newLead = (extra: Record<string, unknown> = {}) => ({
  firstName: 'Erika',
  lastName: `Lead ${++counter}`,
  email: `lead-${counter}-${Math.random().toString(36).slice(2, 8)}@prospect.example.com`,
  ...extra,
});

/** Waits until `check` answers something other than undefined, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  ms = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Emails the SES stand-in holds for an address. */
export async function emailsTo(
  sesUrl: string,
  address: string,
): Promise<{ subject: string; body: { text: string; html: string } }[]> {
  const store = (await (await fetch(`${sesUrl}/store`)).json()) as {
    emails: { destination: { to: string[] }; subject: string; body: { text: string; html: string } }[];
  };
  return store.emails.filter((e) => e.destination.to.includes(address));
}

/** Texts the SMS stand-in holds for a number. */
export async function textsTo(snsUrl: string, phone: string): Promise<{ message: string }[]> {
  return (await (await fetch(`${snsUrl}/messages?phoneNumber=${encodeURIComponent(phone)}`)).json()) as {
    message: string;
  }[];
}
