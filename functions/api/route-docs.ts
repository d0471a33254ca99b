/**
 * The schemas that document each route: request body, query and responses, from the same zod
 * schemas that validate requests. Only the OpenAPI document loads this module.
 */
import * as z from 'zod';
import { SimulateApprovalRequest } from '#schemas/admin/approval-simulation';
import { ActivateRequest, VersionRequest } from '#schemas/admin/document';
import { DunningHoldInput, SimulateDunningRequest } from '#schemas/admin/dunning-policy';
import { FormReceipt } from '#schemas/admin/lead-form';
import { SimulateRoutingRequest } from '#schemas/admin/lead-routing';
import { SimulateSlaRequest } from '#schemas/admin/sla-simulation';
import { SurveyAnswer } from '#schemas/admin/sla-survey';
import { Me, PageQuery, Problem, pageOf } from '#schemas/api';
import { DecisionForm, DecisionReceipt } from '#schemas/approval';
import { ApprovalRunView } from '#schemas/approval-run';
import { AuditEntry } from '#schemas/audit';
import { DeadLetterListQuery, DeadLetterView, DiscardDeadLetterInput } from '#schemas/dead-letter';
import { EventListQuery, JunctionEvent } from '#schemas/events';
import { ExecutionDetail, ExecutionListQuery, ExecutionPage } from '#schemas/execution';
import { LeadContactActivity } from '#schemas/records/lead';
import {
  CancelOrderInput,
  CreditDecisionInput,
  CreditNoteInput,
  InvoiceInput,
  PaymentInput,
  ShipmentInput,
} from '#schemas/records/order';
import { TicketReply } from '#schemas/records/ticket';
import {
  AttemptListQuery,
  AttemptView,
  BulkReplayInput,
  DeliveryListQuery,
  DeliveryView,
  EndpointInput,
  EndpointPatch,
  EndpointView,
  InboundListQuery,
  InboundSecretInput,
  InboundView,
  RotateSecretInput,
  SecretView,
} from '#schemas/webhooks';
import { ADMIN_KINDS, type AdminKind } from '../admin/domain/admin-kinds.ts';
import { RECORD_TYPES, type RecordType, recordSchema } from '../records/domain/record-types.ts';
import type { Route } from '../routes.ts';
import { FORM_TYPE } from '../shared/http.ts';

export interface RouteDocs {
  body?: { schema: z.ZodType; mediaTypes: readonly string[] };
  query?: z.ZodObject;
  responses: Record<
    number,
    {
      description: string;
      schema?: z.ZodType;
      mediaType?: string;
      /** Several media types, each with its schema (a page for browsers, JSON for programs). */
      content?: Record<string, z.ZodType>;
      headers?: readonly string[];
    }
  >;
}

const ERRORS = {
  400: { description: 'Malformed request (bad JSON, unknown query parameter, bad cursor)' },
  401: { description: 'No valid credential' },
  403: { description: 'The role may not do this' },
} as const;

const JSON_TYPES = ['application/json'] as const;
const PATCH_TYPES = ['application/merge-patch+json', 'application/json'] as const;

const once = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
};

const HtmlPage = once(() => z.string().meta({ id: 'HtmlPage', description: 'An HTML page' }));
const page = () => ({ content: { 'text/html': HtmlPage() } });
/** Browsers (Accept: text/html, or a form post) get a page; programs get problem+json. */
const either = () => ({ content: { 'text/html': HtmlPage(), 'application/problem+json': Problem } });

const ticketSchema = once(() => recordSchema(RECORD_TYPES.ticket));

const DocumentHead = once(() =>
  z
    .object({
      id: z.string(),
      kind: z.string(),
      name: z.string(),
      latestVersion: z.int(),
      activeVersion: z.int().optional(),
      version: z.int(),
      archived: z.boolean(),
      createdAt: z.string(),
      createdBy: z.string(),
      updatedAt: z.string(),
      updatedBy: z.string(),
    })
    .meta({ id: 'AdminDocumentHead' }),
);

const recordDocs = new Map<string, ReturnType<typeof recordSchemas>>();
function recordSchemas(type: RecordType) {
  const record = recordSchema(type);
  const filters = Object.fromEntries(
    Object.entries(type.filters).map(([name, filter]) => [
      name,
      filter.schema.optional().meta({ description: filter.description }),
    ]),
  );
  return {
    record,
    page: pageOf(record, `${type.label}Page`),
    query: PageQuery.extend({ ...filters, includeArchived: z.enum(['true', 'false']).optional() }),
    // The shape without cross-field refinements: zod cannot make a refined object partial.
    patch: z
      .strictObject(type.input.shape)
      .partial()
      .meta({ id: `${type.label}Patch` }),
  };
}

const adminDocs = new Map<string, ReturnType<typeof adminSchemas>>();
function adminSchemas(kind: AdminKind) {
  const name = kind.label.replace(/ /g, '');
  return {
    versionRequest: VersionRequest(kind.content),
    document: DocumentHead()
      .extend({ active: z.object({ version: z.int(), content: kind.content }).optional() })
      .meta({ id: `${name}Document` }),
    version: z
      .object({
        version: z.int(),
        content: kind.content,
        note: z.string().optional(),
        createdAt: z.string(),
        createdBy: z.string(),
        active: z.boolean(),
      })
      .meta({ id: `${name}Version` }),
    page: pageOf(DocumentHead(), `${name}Page`),
  };
}

const auditPage = once(() => pageOf(AuditEntry, 'AuditPage'));

/** An order document route: what it takes, and the document made (201) or made before (200). */
function orderDocs(
  body: z.ZodType | undefined,
  made: 'order' | 'shipment' | 'invoice' | 'payment',
  notFound: string,
  conflict: string,
): RouteDocs {
  const schema = recordSchema(RECORD_TYPES[made]);
  const unsupported: RouteDocs['responses'] = body ? { 415: { description: 'Not JSON' } } : {};
  return {
    ...(body ? { body: { schema: body, mediaTypes: JSON_TYPES } } : {}),
    responses: {
      200: { description: `The ${made} made by an earlier identical request`, schema, headers: ['ETag'] },
      201: { description: `The ${made} made`, schema, headers: ['ETag', 'Location'] },
      ...ERRORS,
      404: { description: notFound },
      409: { description: conflict },
      ...unsupported,
      422: { description: 'Invalid, or more than the order allows (the field it concerns is named)' },
    },
  };
}

export function docsFor(route: Route): RouteDocs {
  if (route.recordType) {
    const type = RECORD_TYPES[route.recordType];
    let s = recordDocs.get(type.name);
    if (!s) {
      s = recordSchemas(type);
      recordDocs.set(type.name, s);
    }
    const label = type.label.toLowerCase();
    switch (route.operation) {
      case 'create-record': {
        const docs: RouteDocs = {
          body: { schema: type.input, mediaTypes: JSON_TYPES },
          responses: {
            201: { description: `The new ${label}`, schema: s.record, headers: ['ETag', 'Location'] },
            ...ERRORS,
            409: { description: 'A unique value is taken, or the same Idempotency-Key is in flight' },
            413: { description: 'Body too large' },
            415: { description: 'Not JSON' },
            422: { description: 'Invalid fields, or an Idempotency-Key reused with another body' },
          },
        };
        if (type.name === 'lead')
          docs.responses[200] = {
            description: 'Merged into the open lead with the same email or phone (Lead-Outcome: merged)',
            schema: s.record,
            headers: ['ETag', 'Location', 'Lead-Outcome'],
          };
        return docs;
      }
      case 'list-records':
        return {
          query: s.query,
          responses: { 200: { description: `A page of ${label}s`, schema: s.page }, ...ERRORS },
        };
      case 'get-record':
        return {
          responses: {
            200: { description: `The ${label}`, schema: s.record, headers: ['ETag'] },
            ...ERRORS,
            404: { description: 'No such record' },
          },
        };
      case 'update-record':
        return {
          body: { schema: s.patch, mediaTypes: PATCH_TYPES },
          responses: {
            200: { description: `The updated ${label}`, schema: s.record, headers: ['ETag'] },
            ...ERRORS,
            404: { description: 'No such record' },
            409: { description: 'Archived, locked by a workflow, or a unique value is taken' },
            412: { description: 'If-Match does not match the current version; nothing changed' },
            415: { description: 'Not JSON' },
            422: { description: 'Invalid fields' },
          },
        };
      case 'archive-record':
      case 'restore-record':
        return {
          responses: {
            200: {
              description: `The ${route.operation === 'archive-record' ? 'archived' : 'restored'} ${label}`,
              schema: s.record,
              headers: ['ETag'],
            },
            ...ERRORS,
            404: { description: 'No such record' },
            409: { description: 'Locked by a workflow' },
            412: { description: 'If-Match does not match' },
          },
        };
      case 'record-history':
        return {
          query: PageQuery,
          responses: {
            200: { description: 'Audit entries', schema: auditPage() },
            ...ERRORS,
            404: { description: 'No such record' },
          },
        };
    }
  }
  if (route.adminKind) {
    const kind = ADMIN_KINDS[route.adminKind];
    let s = adminDocs.get(kind.name);
    if (!s) {
      s = adminSchemas(kind);
      adminDocs.set(kind.name, s);
    }
    const writeErrors = {
      ...ERRORS,
      404: { description: 'No such document or version' },
      412: { description: 'If-Match does not match; nothing changed' },
      415: { description: 'Not JSON' },
      422: { description: 'Invalid content; errors point into /content' },
    };
    switch (route.operation) {
      case 'list-documents':
        return {
          query: PageQuery,
          responses: { 200: { description: 'Document heads', schema: s.page }, ...ERRORS },
        };
      case 'create-document':
        return {
          body: { schema: s.versionRequest, mediaTypes: JSON_TYPES },
          responses: {
            201: { description: 'The document', schema: s.document, headers: ['ETag', 'Location'] },
            ...writeErrors,
          },
        };
      case 'get-document':
        return {
          responses: {
            200: { description: 'The document', schema: s.document, headers: ['ETag'] },
            ...ERRORS,
            404: { description: 'No such document' },
          },
        };
      case 'list-versions':
        return {
          responses: {
            200: { description: 'Every version, newest first, without content' },
            ...ERRORS,
            404: { description: 'No such document' },
          },
        };
      case 'add-version':
        return {
          body: { schema: s.versionRequest, mediaTypes: JSON_TYPES },
          responses: {
            201: { description: 'The document', schema: s.document, headers: ['ETag'] },
            ...writeErrors,
          },
        };
      case 'get-version':
        return {
          responses: {
            200: { description: 'The version', schema: s.version },
            ...ERRORS,
            404: { description: 'No such version' },
          },
        };
      case 'activate-version':
        return {
          body: { schema: ActivateRequest, mediaTypes: JSON_TYPES },
          responses: {
            200: { description: 'The document', schema: s.document, headers: ['ETag'] },
            ...writeErrors,
          },
        };
      case 'document-history':
        return {
          query: PageQuery,
          responses: {
            200: { description: 'Audit entries', schema: auditPage() },
            ...ERRORS,
            404: { description: 'No such document' },
          },
        };
    }
  }
  switch (route.operation) {
    case 'submit-quote':
      return {
        responses: {
          200: {
            description: 'No step of the policy applies (or no policy does): approved at once',
            schema: ApprovalRunView,
          },
          202: {
            description: 'Pending approval: the run, its steps and whom each asks',
            schema: ApprovalRunView,
            headers: ['Location'],
          },
          ...ERRORS,
          404: { description: 'No such quote' },
          409: { description: 'Not a draft: already pending approval, decided, or archived' },
          412: { description: 'If-Match does not match; nothing was submitted' },
          422: {
            description: 'Not priced, no longer valid, or nobody can approve it; nothing was submitted',
          },
          503: { description: 'The workflow could not start; the quote is back in draft. Retry.' },
        },
      };
    case 'recall-quote':
      return {
        responses: {
          200: { description: 'The recalled run; the quote is back in draft', schema: ApprovalRunView },
          ...ERRORS,
          403: { description: 'Neither the submitter, a manager nor an admin' },
          404: { description: 'No such quote, or it was never submitted' },
          409: { description: 'Not pending approval' },
        },
      };
    case 'get-approval':
      return {
        responses: {
          200: { description: 'The current or latest approval run', schema: ApprovalRunView },
          ...ERRORS,
          404: { description: 'No such quote, or it was never submitted' },
        },
      };
    case 'simulate-approval':
      return {
        body: { schema: SimulateApprovalRequest, mediaTypes: JSON_TYPES },
        responses: {
          200: { description: 'The approval plan' },
          ...ERRORS,
          404: { description: 'No such quote or policy version' },
          422: { description: 'Invalid request, or nobody could approve' },
        },
      };
    case 'approval-page':
      return {
        responses: {
          200: { description: 'The confirm page', ...page() },
          404: { description: 'Not a link of ours (mistyped or altered)', ...page() },
          409: { description: 'Already decided: says by whom and when', ...page() },
          410: {
            description: 'No longer open: expired, recalled, passed on, or the step is decided',
            ...page(),
          },
        },
      };
    case 'decide-approval':
      return {
        body: { schema: DecisionForm, mediaTypes: [FORM_TYPE, 'application/json'] },
        responses: {
          200: { description: 'JSON posts: the decision recorded', schema: DecisionReceipt },
          303: { description: 'Form posts: see the outcome page', headers: ['Location'] },
          400: { description: 'Bad form: missing nonce, unknown decision, comment too long', ...either() },
          403: { description: 'The nonce does not belong to this link', ...either() },
          404: { description: 'Not a link of ours', ...either() },
          409: { description: 'Already decided: says by whom and when', ...either() },
          410: {
            description: 'No longer open: expired, recalled, passed on, or the step is decided',
            ...either(),
          },
          413: { description: 'Body too large' },
          415: { description: 'Neither a form nor JSON' },
        },
      };
    case 'list-dead-letters':
      return {
        query: DeadLetterListQuery,
        responses: {
          200: {
            description: 'A page of dead letters, newest first',
            schema: pageOf(DeadLetterView, 'DeadLetterPage'),
          },
          ...ERRORS,
          400: { description: 'Unknown parameter, bad status or workflow name, bad cursor' },
        },
      };
    case 'get-dead-letter':
      return {
        responses: {
          200: { description: 'The dead letter', schema: DeadLetterView },
          ...ERRORS,
          404: { description: 'No such dead letter' },
        },
      };
    case 'replay-dead-letter':
      return {
        responses: {
          200: { description: 'The dead letter with its new replay', schema: DeadLetterView },
          ...ERRORS,
          404: { description: 'No such dead letter' },
          409: { description: 'Discarded, or replayed or discarded by someone else meanwhile' },
        },
      };
    case 'discard-dead-letter':
      return {
        body: { schema: DiscardDeadLetterInput, mediaTypes: JSON_TYPES },
        responses: {
          200: { description: 'The dead letter, discarded', schema: DeadLetterView },
          ...ERRORS,
          404: { description: 'No such dead letter' },
          409: { description: 'Replayed or discarded by someone else meanwhile' },
          422: { description: 'No reason given' },
        },
      };
    case 'list-executions':
      return {
        query: ExecutionListQuery,
        responses: {
          200: { description: 'A page of executions, newest first', schema: ExecutionPage },
          ...ERRORS,
          400: { description: 'Unknown parameter, unknown workflow or record type, bad status, bad cursor' },
        },
      };
    case 'get-execution':
      return {
        responses: {
          200: { description: 'The execution and its timeline', schema: ExecutionDetail },
          ...ERRORS,
          400: { description: 'Not an execution id (workflow.name)' },
          404: { description: 'No such workflow or execution' },
        },
      };
    case 'simulate-sla':
      return {
        body: { schema: SimulateSlaRequest, mediaTypes: JSON_TYPES },
        responses: {
          200: { description: 'The deadlines and escalation times, in UTC and in the calendar’s zone' },
          ...ERRORS,
          404: { description: 'No such ticket, account or policy version' },
          422: { description: 'Invalid request, or no SLA policy applies' },
        },
      };
    case 'ticket-reply':
      return {
        body: { schema: TicketReply, mediaTypes: JSON_TYPES },
        responses: {
          200: {
            description: 'The ticket after the reply, with its SLA',
            schema: ticketSchema(),
            headers: ['ETag'],
          },
          ...ERRORS,
          404: { description: 'No such ticket' },
          409: { description: 'The ticket is closed or archived' },
          415: { description: 'Not JSON' },
          422: { description: 'Invalid reply' },
        },
      };
    case 'survey-page':
      return {
        responses: {
          200: { description: 'The rating page (or the thank-you page after answering)', ...page() },
          404: { description: 'Not a link of ours', ...page() },
          409: { description: 'Already answered: says the rating', ...page() },
          410: { description: 'Expired', ...page() },
        },
      };
    case 'answer-survey':
      return {
        body: { schema: SurveyAnswer, mediaTypes: [FORM_TYPE, 'application/json'] },
        responses: {
          200: { description: 'JSON posts: the rating recorded' },
          303: { description: 'Form posts: see the thank-you page', headers: ['Location'] },
          400: { description: 'Bad form: missing nonce, rating not 1–5, comment too long', ...either() },
          403: { description: 'The nonce does not belong to this link', ...either() },
          404: { description: 'Not a link of ours', ...either() },
          409: { description: 'Already answered', ...either() },
          410: { description: 'Expired', ...either() },
          413: { description: 'Body too large' },
          415: { description: 'Neither a form nor JSON' },
        },
      };
    case 'submit-lead-form':
      return {
        body: {
          schema: z
            .record(z.string(), z.string())
            .meta({ description: 'The form’s fields, mapped onto a lead as its LeadForm document says' }),
          mediaTypes: [FORM_TYPE, 'application/json'],
        },
        responses: {
          200: {
            description: 'Received (also for a filled honeypot, which creates nothing)',
            schema: FormReceipt,
          },
          400: { description: 'Malformed body, or a field sent twice' },
          403: { description: 'Posted by a browser from an origin the form does not allow' },
          404: { description: 'No such form, or the form is not active' },
          413: { description: 'Body too large' },
          415: { description: 'Neither a form nor JSON' },
          422: { description: 'Invalid or unknown fields; pointers name the form fields' },
          429: {
            description: 'Too many posts from this client in the window; see Retry-After',
            headers: ['Retry-After'],
          },
        },
      };
    case 'lead-form-preflight':
      return {
        responses: {
          204: { description: 'The origin may post the form', headers: ['Access-Control-Allow-Origin'] },
          400: { description: 'Not a CORS preflight (no Origin)' },
          403: { description: 'The form does not allow this origin or method' },
          404: { description: 'No such form, or the form is not active' },
        },
      };
    case 'simulate-lead-routing':
      return {
        body: { schema: SimulateRoutingRequest, mediaTypes: JSON_TYPES },
        responses: {
          200: { description: 'The routing the lead would get, with every reason' },
          ...ERRORS,
          404: { description: 'No such lead or routing version' },
          422: { description: 'Invalid request or lead fields' },
        },
      };
    case 'log-lead-contact':
      return {
        body: { schema: LeadContactActivity, mediaTypes: JSON_TYPES },
        responses: {
          200: { description: 'The lead', schema: recordSchema(RECORD_TYPES.lead), headers: ['ETag'] },
          ...ERRORS,
          404: { description: 'No such lead' },
          409: { description: 'The lead is archived' },
          415: { description: 'Not JSON' },
          422: { description: 'Invalid activity' },
        },
      };
    case 'order-from-quote':
      return orderDocs(undefined, 'order', 'No such quote', 'The quote is not approved');
    case 'record-shipment':
      return orderDocs(ShipmentInput, 'shipment', 'No such order', 'The order is cancelled or closed');
    case 'issue-invoice':
      return orderDocs(
        InvoiceInput,
        'invoice',
        'No such order or shipment',
        'The order is cancelled or closed',
      );
    case 'issue-credit-note':
      return orderDocs(CreditNoteInput, 'invoice', 'No such invoice', 'The order is cancelled or closed');
    case 'record-payment':
      return orderDocs(
        PaymentInput,
        'payment',
        'No such invoice',
        'The externalId is used by another payment, or the order is closed',
      );
    case 'cancel-order':
      return orderDocs(
        CancelOrderInput,
        'order',
        'No such order',
        'The order has shipped, been billed or closed',
      );
    case 'start-reconciliation':
      return { responses: { 202: { description: 'The run, started' }, ...ERRORS } };
    case 'list-reconciliations':
      return {
        query: PageQuery,
        responses: {
          200: { description: 'A page of runs, newest first' },
          ...ERRORS,
          400: { description: 'Bad cursor' },
        },
      };
    case 'get-reconciliation':
      return {
        responses: {
          200: { description: 'The run and its drifts' },
          ...ERRORS,
          404: { description: 'No such run' },
        },
      };
    case 'hold-dunning':
      return orderDocs(DunningHoldInput, 'invoice', 'No such invoice', 'The invoice is a credit note');
    case 'simulate-dunning':
      return {
        body: { schema: SimulateDunningRequest, mediaTypes: JSON_TYPES },
        responses: {
          200: { description: 'The reminders the invoice gets, in order' },
          ...ERRORS,
          404: { description: 'No such invoice or policy version' },
          422: { description: 'The request is invalid, or no dunning policy applies' },
        },
      };
    case 'decide-credit-hold':
      return orderDocs(
        CreditDecisionInput,
        'order',
        'No such order',
        'The order is not on credit hold, or its hold was answered the other way',
      );
    case 'list-events':
      return {
        query: EventListQuery,
        responses: {
          200: { description: 'A page of events, newest first', schema: pageOf(JunctionEvent, 'EventPage') },
          ...ERRORS,
          400: { description: 'Unknown parameter, bad type pattern, record or time, bad cursor' },
        },
      };
    case 'list-webhook-endpoints':
      return {
        query: PageQuery,
        responses: {
          200: { description: 'A page of endpoints', schema: pageOf(EndpointView, 'WebhookEndpointPage') },
          ...ERRORS,
        },
      };
    case 'create-webhook-endpoint':
      return {
        body: { schema: EndpointInput, mediaTypes: JSON_TYPES },
        responses: {
          201: {
            description: 'The endpoint, with its signing secret (shown this once)',
            schema: EndpointView.extend({ secret: z.string() }),
            headers: ['Location'],
          },
          ...ERRORS,
          422: {
            description: 'Invalid fields: not https, an address webhooks may not reach, a bad event pattern',
          },
        },
      };
    case 'get-webhook-endpoint':
      return {
        responses: {
          200: { description: 'The endpoint', schema: EndpointView },
          ...ERRORS,
          404: { description: 'No such endpoint (or not yours)' },
        },
      };
    case 'update-webhook-endpoint':
      return {
        body: { schema: EndpointPatch, mediaTypes: PATCH_TYPES },
        responses: {
          200: { description: 'The endpoint as changed', schema: EndpointView },
          ...ERRORS,
          404: { description: 'No such endpoint (or not yours)' },
          412: { description: 'If-Match names an older version' },
          422: { description: 'Invalid fields' },
        },
      };
    case 'delete-webhook-endpoint':
      return {
        responses: { 204: { description: 'Deleted' }, ...ERRORS, 404: { description: 'No such endpoint' } },
      };
    case 'get-webhook-secret':
      return {
        responses: {
          200: { description: 'The secrets that sign', schema: SecretView },
          ...ERRORS,
          404: { description: 'No such endpoint' },
        },
      };
    case 'rotate-webhook-secret':
      return {
        body: { schema: RotateSecretInput, mediaTypes: JSON_TYPES },
        responses: {
          200: { description: 'The new secret, and the old ones still signing', schema: SecretView },
          ...ERRORS,
          404: { description: 'No such endpoint' },
          422: { description: 'A grace period out of range' },
        },
      };
    case 'list-webhook-attempts':
      return {
        query: AttemptListQuery,
        responses: {
          200: {
            description: 'A page of attempts, newest first',
            schema: pageOf(AttemptView, 'WebhookAttemptPage'),
          },
          ...ERRORS,
          404: { description: 'No such endpoint' },
        },
      };
    case 'list-webhook-deliveries':
      return {
        query: DeliveryListQuery,
        responses: {
          200: { description: 'A page of deliveries', schema: pageOf(DeliveryView, 'WebhookDeliveryPage') },
          ...ERRORS,
          404: { description: 'No such endpoint' },
        },
      };
    case 'replay-webhook-delivery':
      return {
        responses: {
          202: { description: 'Queued to be sent again' },
          ...ERRORS,
          404: { description: 'No such endpoint, or the event is no longer kept' },
        },
      };
    case 'replay-webhook-deliveries':
      return {
        body: { schema: BulkReplayInput, mediaTypes: JSON_TYPES },
        responses: {
          202: { description: 'How many were queued again, and whether more remain' },
          ...ERRORS,
          404: { description: 'No such endpoint' },
          422: { description: 'No `since`, or a bad pattern' },
        },
      };
    case 'receive-inbound-webhook':
      return {
        body: {
          schema: z.unknown().meta({ description: 'Whatever the source sends, signed' }),
          mediaTypes: JSON_TYPES,
        },
        responses: {
          202: { description: 'Verified, stored and queued' },
          200: { description: 'A duplicate of an event received before: nothing more happens' },
          401: { description: 'The signature or its timestamp did not verify: nothing was stored' },
          404: { description: 'No such source' },
          413: { description: 'Larger than the source allows' },
        },
      };
    case 'set-inbound-secret':
      return {
        body: { schema: InboundSecretInput, mediaTypes: JSON_TYPES },
        responses: {
          200: { description: 'Set' },
          ...ERRORS,
          422: { description: 'Too short, or a bad source name' },
        },
      };
    case 'list-inbound-webhooks':
      return {
        query: InboundListQuery,
        responses: {
          200: {
            description: 'A page of messages, newest first',
            schema: pageOf(InboundView, 'InboundWebhookPage'),
          },
          ...ERRORS,
        },
      };
    case 'get-inbound-webhook':
      return {
        responses: {
          200: { description: 'The message', schema: InboundView },
          ...ERRORS,
          404: { description: 'No such message' },
        },
      };
    case 'replay-inbound-webhook':
      return {
        responses: {
          202: { description: 'Queued again', schema: InboundView },
          ...ERRORS,
          404: { description: 'No such message' },
        },
      };
    case 'me':
      return { responses: { 200: { description: 'The calling principal', schema: Me }, ...ERRORS } };
    case 'openapi':
      return { responses: { 200: { description: 'This API, as OpenAPI 3.1' } } };
    default:
      throw new Error(`no documentation recipe for ${route.operation} on ${route.method} ${route.path}`);
  }
}
