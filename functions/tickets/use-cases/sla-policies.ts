/**
 * Which SLA policy a ticket follows, and the facts it is judged on. A ticket keeps the policy
 * version it started with for its whole life (like a flow keeps its version): later versions
 * and activations apply to new tickets.
 */
import type { SlaPolicy } from '#schemas/admin/sla-policy';
import { ADMIN_KINDS } from '../../admin/domain/admin-kinds.ts';
import type { DocumentDeps } from '../../admin/ports.ts';
import { activeHeads } from '../../admin/use-cases/document-service.ts';
import type { RecordDeps } from '../../records/ports.ts';
import type { PolicyRef } from '../domain/sla-clock.ts';

export const SLA_KIND = ADMIN_KINDS['sla-policy'];

export interface ChosenPolicy {
  ref: PolicyRef;
  content: SlaPolicy;
  /** Why this policy applies, for the dry run and the ticket's history. */
  why: string;
}

/** Every active SLA policy version, oldest document first. */
export async function activeSlaPolicies(deps: DocumentDeps): Promise<ChosenPolicy[]> {
  const active = await activeHeads(deps, SLA_KIND);
  return Promise.all(
    active.map(async (head) => {
      const version = head.activeVersion as number;
      const found = await deps.versions.get<SlaPolicy>(SLA_KIND.name, head.id, version);
      if (!found) throw new Error(`SLA policy ${head.id} names active version ${version}, which is missing`);
      return {
        ref: { id: head.id, version, name: found.content.name },
        content: found.content,
        why: '',
      };
    }),
  );
}

/**
 * The policy for a ticket: the first active policy naming the ticket's queue, else the first
 * active policy that names no queues. None: the ticket runs without an SLA.
 */
export function choosePolicy(
  policies: readonly ChosenPolicy[],
  queueId: string | undefined,
): ChosenPolicy | undefined {
  const forQueue = queueId ? policies.find((p) => p.content.queueIds?.includes(queueId)) : undefined;
  if (forQueue) return { ...forQueue, why: `the policy covers queue ${queueId}` };
  const general = policies.find((p) => !p.content.queueIds);
  if (general)
    return {
      ...general,
      why: queueId
        ? `no active policy names queue ${queueId}; this one covers every other ticket`
        : 'the ticket has no queue; this policy covers every ticket no queue policy does',
    };
  return undefined;
}

/** A version a ticket already follows. */
export async function policyVersion(deps: DocumentDeps, ref: PolicyRef): Promise<SlaPolicy> {
  const found = await deps.versions.get<SlaPolicy>(SLA_KIND.name, ref.id, ref.version);
  if (!found) throw new Error(`SLA policy ${ref.id} has no version ${ref.version}`);
  return found.content;
}

/** The customer tier the targets are chosen by: the ticket's account's, else standard. */
export async function tierOf(deps: RecordDeps, accountId: unknown): Promise<string> {
  if (typeof accountId !== 'string') return 'standard';
  const account = await deps.store.get('account', accountId);
  return typeof account?.tier === 'string' ? account.tier : 'standard';
}
