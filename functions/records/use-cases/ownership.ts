/**
 * Who may change whose records: writes respect ownership, as in any CRM.
 *
 *   - admins change anything;
 *   - a manager changes records they own, records owned by anyone who reports to them (at any
 *     depth of the management chain), and records nobody owns;
 *   - a sales user changes records they own and records nobody owns, and may hand a record only
 *     to themselves (reassigning to others is a manager's call); one whose user record says
 *     `editScope: "team"` also changes, and hands records to, their team: everyone with the same
 *     manager;
 *   - a credential that is not a person's (an API key without a user) with the sales or manager
 *     role owns nothing, so it changes only records nobody owns;
 *   - other roles (support, finance, integration) are bounded by their routes' roles alone.
 *
 * Integration keys may not set product prices or costs unless their key carries the
 * `products:pricing` grant. Writes made by workflows and the system carry no writer and are not
 * checked here. Reads are not restricted by ownership.
 */
import type { Role, StoredRecord } from '#schemas/common';
import { notAllowed } from '../../shared/errors.ts';

/** The person or key behind a change, as the checks need it. */
export interface Writer {
  role: Role;
  /** The staff user the credential acts as, if it is a person's. */
  userId?: string;
  grants?: readonly string[];
}

/** What the checks look up: a user's manager. */
export interface ManagerDirectory {
  get(type: 'user', id: string): Promise<StoredRecord | undefined>;
}

export const PRICING_GRANT = 'products:pricing';
/** Every grant an API key can carry. */
export const GRANTS = [PRICING_GRANT] as const;
const PRICE_FIELDS = ['unitPrice', 'unitCost', 'currency'] as const;
/** Deeper than any real org chart; stops a managerId loop. */
const MAX_CHAIN = 12;

const OWNED_TYPES = new Set(['account', 'contact', 'lead', 'quote', 'ticket']);

async function managesOrIs(
  directory: ManagerDirectory,
  managerId: string,
  ownerId: string,
): Promise<boolean> {
  let current: string | undefined = ownerId;
  for (let depth = 0; current && depth <= MAX_CHAIN; depth++) {
    if (current === managerId) return true;
    const user = await directory.get('user', current);
    current = typeof user?.managerId === 'string' ? user.managerId : undefined;
  }
  return false;
}

/** Whether the writer may change a record with this owner (undefined: nobody owns it). */
export async function mayWriteOwned(
  directory: ManagerDirectory,
  writer: Writer,
  ownerId: string | undefined,
): Promise<boolean> {
  if (writer.role !== 'sales' && writer.role !== 'manager') return true;
  if (ownerId === undefined) return true;
  if (!writer.userId) return false;
  if (writer.role === 'sales')
    return ownerId === writer.userId || (await sameTeam(directory, writer.userId, ownerId));
  return managesOrIs(directory, writer.userId, ownerId);
}

/** Whether a seller whose scope is their team may act for this owner: both report to one manager. */
async function sameTeam(directory: ManagerDirectory, sellerId: string, ownerId: string): Promise<boolean> {
  const seller = await directory.get('user', sellerId);
  if (seller?.editScope !== 'team' || typeof seller.managerId !== 'string') return false;
  const owner = await directory.get('user', ownerId);
  return owner?.managerId === seller.managerId && owner.archived !== true;
}

const ownerOf = (record: Record<string, unknown> | undefined) =>
  typeof record?.ownerId === 'string' ? record.ownerId : undefined;

/**
 * Refuses (403, nothing written) a change the writer may not make: to a record they may not
 * change (`current`), or one that would leave it owned by someone they may not give it to
 * (`next`), or a product price or cost without the pricing grant.
 * `action` reads as a verb phrase: "edit", "archive", "submit for approval".
 */
export async function assertMayWrite(
  directory: ManagerDirectory,
  writer: Writer | undefined,
  type: { name: string; label: string },
  change: { current?: StoredRecord; next?: Record<string, unknown> },
  action: string,
): Promise<void> {
  if (!writer) return;
  if (type.name === 'product' && writer.role === 'integration' && !writer.grants?.includes(PRICING_GRANT)) {
    const fields = PRICE_FIELDS.filter(
      (field) => change.next?.[field] !== undefined && change.next[field] !== change.current?.[field],
    );
    if (fields.length > 0)
      throw notAllowed(
        `Integration keys may not set a product's ${fields.join(', ')} unless the key has the "${PRICING_GRANT}" grant; nothing was changed.`,
      );
  }
  if (!OWNED_TYPES.has(type.name)) return;
  const { current, next } = change;
  const who =
    writer.role === 'sales'
      ? 'your own (or your team’s, if your edit scope is team)'
      : 'your own and your reports’';
  if (current && !(await mayWriteOwned(directory, writer, ownerOf(current))))
    throw notAllowed(
      `${type.label} ${current.id} belongs to ${ownerOf(current)}; as ${writer.role} you may ${action} ${who} records${writer.userId ? '' : ' (this credential acts for no staff user)'}, nothing was changed.`,
    );
  const nextOwner = ownerOf(next);
  if (next && nextOwner !== ownerOf(current) && nextOwner !== undefined) {
    const allowed = await mayWriteOwned(directory, writer, nextOwner);
    if (!allowed)
      throw notAllowed(
        `As ${writer.role} you may not give a ${type.label.toLowerCase()} to ${nextOwner}${writer.role === 'sales' ? ': only to yourself (or your team, if your edit scope is team); a manager reassigns' : ': they are not in your reporting chain'}; nothing was changed.`,
      );
  }
}
