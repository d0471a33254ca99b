/**
 * Which addresses a webhook may be sent to. Only public unicast addresses: never loopback,
 * private (RFC 1918, unique-local), link-local (which holds the cloud metadata service at
 * 169.254.169.254), carrier-grade NAT, multicast, reserved or unspecified ones, IPv4 written as
 * IPv6 included. The check runs on the address the connection is made to, after DNS, so a name
 * that resolves to a private address — or starts to, between two deliveries — is refused too.
 *
 * `allow` names the exceptions, for the local hub only: `loopback` (its own stand-ins and a
 * developer's receiver), or exact `host:port` origins (a test's receiver).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
}

export type Resolver = (
  hostname: string,
  options: { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface GuardOptions {
  /** `loopback`, and/or `host:port` entries that may be private. */
  allow?: readonly string[];
  /** How names are resolved; the system's resolver (getaddrinfo) unless a test gives its own. */
  resolve?: Resolver;
}

/** Why an address may not be reached, or undefined when it may. */
export function refusal(address: string, port: number, options: GuardOptions = {}): string | undefined {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  const allow = options.allow ?? [];
  const literal = parsed.kind() === 'ipv6' ? `[${parsed.toString()}]` : parsed.toString();
  if (allow.includes(`${literal}:${port}`)) return undefined;
  if (range === 'loopback' && allow.includes('loopback')) return undefined;
  return `${parsed.toString()} is a ${range} address, which webhooks may not reach`;
}

/** A URL's host when it is an IP literal (brackets stripped), else undefined. */
export function literalHost(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(host) ? host : undefined;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for node:http that resolves as usual and then refuses the connection unless every
 * address the name has is allowed (so round-robin DNS cannot slip a private one in).
 */
export function guardedLookup(port: number, options: GuardOptions = {}) {
  return (hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback): void => {
    (options.resolve ?? (dnsLookup as Resolver))(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const why = refusal(address, port, options);
        if (why)
          return callback(
            Object.assign(new AddressRefusedError(`${hostname}: ${why}`), { code: 'EREFUSED' }),
            [],
          );
      }
      if (lookupOptions.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}
