/**
 * Audit entry ids that the same event always gets. History is sorted by id (a ULID), so the id
 * starts with the event's time; the rest comes from a hash of what the event is. Writing the
 * entry again — a retry finishing what a crashed attempt began — then meets the conditional
 * put on the same id and adds nothing.
 */
import { createHash } from 'node:crypto';
import { encodeTime } from 'ulid';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function stableAuditId(at: string, event: string): string {
  const digest = createHash('sha256').update(event, 'utf8').digest();
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[(digest[i] ?? 0) % 32];
  return `${encodeTime(Date.parse(at), 10)}${random}`;
}
