/**
 * What the lead-routing use cases need from the world: the record and routing stores, the rate
 * limits of the public forms, the follow-up workflow, and the senders. ./wiring.ts builds the
 * production adapters; tests pass fakes.
 */
import type { LeadRoutingStore } from '#store/lead-routing-store';
import type { RateLimits } from '#store/rate-limits';
import type { DocumentDeps } from '../admin/ports.ts';
import type { RecordPort } from '../records/ports.ts';
import type { Messaging } from '../shared/deliver-once.ts';

/** What the follow-up flow starts with; its tasks pass it on, changed. */
export interface FollowUpState {
  leadId: string;
  ownerId: string;
  /** 0 when first routed; +1 per reassignment or escalation. */
  attempt: number;
  assignedAt: string;
  hot: boolean;
  /** The routing version and rule the lead was routed under: the follow-up keeps them. */
  routing?: { documentId: string; version: number; ruleIndex: number | null };
  /** Seconds to wait for a contact before moving the lead on; 0 when the rule has no follow-up. */
  followUpSeconds: number;
  /** Everyone who has had the lead in this flow, so a reassignment moves it to someone new. */
  tried: string[];
  /** How the current owner got it, for the message they receive. */
  kind?: 'routed' | 'reassigned' | 'escalated';
}

/** Starts the follow-up flow of a lead: notify the owner, then wait for a contact. */
export interface FollowUpFlow {
  start(state: FollowUpState): Promise<void>;
}

/** Intake, forms and routing: documents and records, the routing store, rate limits, the flow. */
export interface LeadDeps extends DocumentDeps {
  leads: LeadRoutingStore;
  rateLimits: RateLimits;
  followUp: FollowUpFlow;
}

/**
 * The follow-up's notices: the lead and its owner, the lead's history (where each notice is
 * recorded), the senders, and the outbox each notification is recorded in before it is sent
 * (../shared/deliver-once.ts).
 */
export interface NotifyDeps extends Messaging {
  store: Pick<RecordPort, 'get' | 'history' | 'appendHistory'>;
}
