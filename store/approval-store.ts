/**
 * A quote's approval run, its steps, and the requests (links) sent to approvers.
 *
 *   run       pk `approval#{id}`        sk `RUN`                  quote, policy version, plan, status, current step
 *   by quote  pk `approval-quote#{quoteId}` sk `RUN#{id}`         a quote's runs, oldest first (ids are ULIDs)
 *   step      pk `approval#{id}`        sk `STEP#{nn}`            status, task token, decisions
 *   request   pk `approval#{id}`        sk `REQUEST#{nn}#{hash}`  one link sent to one approver
 *   link      pk `approval-link#{hash}` sk `LINK`                 finds the request from a link id
 *   sms code  pk `sms-code#{phone}#{code}` sk `CODE`              finds the request from an SMS reply
 *   attempts  pk `sms-attempts#{phone}` sk `{hour}`               wrong codes per phone per hour (TTL)
 *
 * Link ids are random (160 bits) and exist only in the messages sent; the table holds their
 * SHA-256. Deciding is a conditional write on the request (open → decided) in the same
 * transaction as the decision on the step, so a link decides once however often it is posted.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ApprovalRequest, RecordedDecision } from '#schemas/approval';
import type { DocumentTransactItem as TransactItem } from './record-store.ts';
import { KEY, TTL_ATTRIBUTE } from './table-design.ts';

export const hashLink = (linkId: string) => createHash('sha256').update(linkId, 'utf8').digest('hex');
export const newLinkId = () => randomBytes(20).toString('base64url');

const pad = (n: number) => String(n).padStart(2, '0');
const runKey = (id: string) => ({ [KEY.pk]: `approval#${id}`, [KEY.sk]: 'RUN' });
const stepKey = (id: string, index: number) => ({
  [KEY.pk]: `approval#${id}`,
  [KEY.sk]: `STEP#${pad(index)}`,
});
const requestKey = (id: string, index: number, hash: string) => ({
  [KEY.pk]: `approval#${id}`,
  [KEY.sk]: `REQUEST#${pad(index)}#${hash}`,
});
const quoteRunKey = (quoteId: string, id: string) => ({
  [KEY.pk]: `approval-quote#${quoteId}`,
  [KEY.sk]: `RUN#${id}`,
});
const linkKey = (hash: string) => ({ [KEY.pk]: `approval-link#${hash}`, [KEY.sk]: 'LINK' });
const codeKey = (phone: string, code: string) => ({
  [KEY.pk]: `sms-code#${phone}#${code}`,
  [KEY.sk]: 'CODE',
});
/** Marks a phone that was sent a reply code, until its last code expires. */
const phoneKey = (phone: string) => ({ [KEY.pk]: `sms-phone#${phone}`, [KEY.sk]: 'PHONE' });
const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export type RunStatus = 'pending' | 'approved' | 'rejected' | 'recalled' | 'expired' | 'failed';
export type StepStatus = 'waiting' | 'open' | 'approved' | 'rejected' | 'skipped' | 'expired';

export interface ApprovalRun {
  id: string;
  quoteId: string;
  /** The policy version the run follows to the end; null when no policy applied (approved at once). */
  policy: { id: string; version: number; name: string } | null;
  /** Why the policy applies to the quote. */
  policyWhy?: string[];
  /** The facts the plan read at submit (discounts, margin, account tier and country …), kept as approved. */
  facts?: Record<string, unknown>;
  /** Who pressed submit. */
  submittedBy: { userId: string; name: string };
  submittedAt: string;
  /** Whose manager chain the approvers follow: the quote's owner, else the submitter. */
  requesterId?: string;
  status: RunStatus;
  executionArn?: string;
  stepCount: number;
  /** From the policy version: how long links stay valid, whom to ask when nobody else can be. */
  linkValidityHours?: number;
  fallbackApproverId?: string;
  /** The quote version that was submitted. */
  quoteVersion?: number;
  finishedAt?: string;
  /** Why the run ended as it did (recalled by …, failed because …). */
  finishReason?: string;
  /** When the submitter was told the outcome. */
  notifiedAt?: string;
}

/** Someone a step asks, as planned at submit (delegates resolved, fallbacks named). */
export interface StepApprover {
  userId: string;
  name: string;
  reason: string;
  onBehalfOf?: { userId: string; name: string };
}

/** What the step's next timeout does: the policy's action, or expiry once nothing is left to do. */
export type TimerAction = 'remind' | 'escalate' | 'auto-approve' | 'auto-reject' | 'expire';

export interface ApprovalStep {
  approvalId: string;
  index: number;
  name: string;
  status: StepStatus;
  required: number;
  /** How the step settles: any / all / quorum, and what a timeout does. */
  mode: string;
  timeout?: { afterHours: number; action: string; maxReminders: number; reminderEveryHours?: number };
  /** Quorum steps: how many approvals the policy asks for (required is this, capped by the approvers). */
  quorum?: number;
  /** Whether the quote entered the step, and why (from its entry condition). */
  applies?: boolean;
  why?: string[];
  /** Who the step asks, as planned; approvers that could not be resolved, and why. */
  approvers?: StepApprover[];
  unresolved?: string[];
  /** The next timeout: what it does, and policy wait still owed after the links' validity ran out. */
  timer?: { next: TimerAction; carrySeconds: number };
  /** The task token the workflow waits on while the step is open; never sent to anyone. */
  taskToken?: string;
  openedAt?: string;
  expiresAt?: string;
  reminders: number;
  escalations: number;
  decisions: RecordedDecision[];
  settledAt?: string;
  /** What settled the step when no decision did: the policy's timeout (auto-approve, auto-reject, expiry). */
  settledBy?: 'timeout';
  /** The last timeout the flow handled and what it answered, so a retried invocation answers the same. */
  lastTimeout?: { round: number; timeoutSeconds: number; action: 'wait' | 'approved' | 'rejected' };
}

export class LinkAlreadyUsedError extends Error {
  override name = 'LinkAlreadyUsedError';
}
/** An item meant to be written with a new request exists already (another attempt wrote it). */
export class AlongsideConflictError extends Error {
  override name = 'AlongsideConflictError';
}
export class StepAlreadySettledError extends Error {
  override name = 'StepAlreadySettledError';
}

export class ApprovalStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createRun(run: ApprovalRun, steps: ApprovalStep[]): Promise<void> {
    await this.db.send(new TransactWriteCommand({ TransactItems: this.runItems(run, steps) }));
  }

  /**
   * The writes that create a run, for a transaction that also changes the quote: the run and its
   * steps come into being with the quote's move to pending approval, or not at all.
   */
  runItems(run: ApprovalRun, steps: ApprovalStep[]): TransactItem[] {
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...runKey(run.id), entity: 'approval', ...run },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...quoteRunKey(run.quoteId, run.id), entity: 'approval-by-quote', approvalId: run.id },
        },
      },
      ...steps.map((step) => ({
        Put: {
          TableName: this.tableName,
          Item: { ...stepKey(run.id, step.index), entity: 'approval-step', ...step },
        },
      })),
    ];
  }

  /**
   * A change to a run for a transaction that also changes the quote (finishing, recalling),
   * conditioned on the run's status so that only one such change wins.
   */
  runUpdateItem(id: string, fields: Partial<ApprovalRun>, expectStatus: RunStatus): TransactItem {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    return {
      Update: {
        TableName: this.tableName,
        Key: runKey(id),
        UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ConditionExpression: '#expect = :expect',
        ExpressionAttributeNames: {
          ...Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])),
          '#expect': 'status',
        },
        ExpressionAttributeValues: {
          ...Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
          ':expect': expectStatus,
        },
      },
    };
  }

  /** The ids of a quote's approval runs, newest first. */
  async runIdsOfQuote(quoteId: string, limit = 20): Promise<string[]> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
        ExpressionAttributeValues: { ':pk': `approval-quote#${quoteId}`, ':prefix': 'RUN#' },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []).map((item) => String(item.approvalId));
  }

  /** Every step of a run, in order. */
  async steps(id: string): Promise<ApprovalStep[]> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
        ExpressionAttributeValues: { ':pk': `approval#${id}`, ':prefix': 'STEP#' },
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []).map(strip) as unknown as ApprovalStep[];
  }

  async run(id: string): Promise<ApprovalRun | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: runKey(id), ConsistentRead: true }),
    );
    return Item ? (strip(Item) as unknown as ApprovalRun) : undefined;
  }

  async step(id: string, index: number): Promise<ApprovalStep | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: stepKey(id, index), ConsistentRead: true }),
    );
    return Item ? (strip(Item) as unknown as ApprovalStep) : undefined;
  }

  async setRunFields(id: string, fields: Partial<ApprovalRun>, expectStatus?: RunStatus): Promise<boolean> {
    return this.update(
      runKey(id),
      fields,
      expectStatus ? { field: 'status', value: expectStatus } : undefined,
    );
  }

  async setStepFields(
    id: string,
    index: number,
    fields: Partial<ApprovalStep>,
    expectStatus?: StepStatus,
  ): Promise<boolean> {
    return this.update(
      stepKey(id, index),
      fields,
      expectStatus ? { field: 'status', value: expectStatus } : undefined,
    );
  }

  /** Stores a request and its link (and SMS code), returning the link id to put in the messages. */
  /**
   * Stores a new request and its link. `alongside` builds items written in the same transaction
   * from the new link (the outbox entry of the messages that carry it): if one of them cannot be
   * written (its condition fails), neither is the request, and AlongsideConflictError says so.
   */
  async addRequest(
    request: Omit<ApprovalRequest, 'linkHash' | 'nonce' | 'smsCode'>,
    phone?: string,
    alongside: (linkId: string, request: ApprovalRequest) => TransactItem[] = () => [],
  ): Promise<{ linkId: string; request: ApprovalRequest }> {
    const linkId = newLinkId();
    const linkHash = hashLink(linkId);
    const smsCode = phone
      ? await this.claimSmsCode(
          phone,
          { linkHash, approvalId: request.approvalId, stepIndex: request.stepIndex },
          request.expiresAt,
        )
      : undefined;
    const stored: ApprovalRequest = {
      ...request,
      linkHash,
      nonce: randomBytes(16).toString('base64url'),
      ...(smsCode ? { smsCode } : {}),
    };
    const ttl = { [TTL_ATTRIBUTE]: epochSeconds(request.expiresAt) + 90 * 24 * 3600 };
    const extra = alongside(linkId, stored);
    await this.db
      .send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...requestKey(request.approvalId, request.stepIndex, linkHash),
                  entity: 'approval-request',
                  ...stored,
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...linkKey(linkHash),
                  entity: 'approval-link',
                  approvalId: request.approvalId,
                  stepIndex: request.stepIndex,
                  ...ttl,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...extra,
          ],
        }),
      )
      .catch((error: unknown) => {
        if (
          error instanceof TransactionCanceledException &&
          error.CancellationReasons?.slice(2).some((r) => r.Code === 'ConditionalCheckFailed')
        )
          throw new AlongsideConflictError('an item written with the request exists already');
        throw error;
      });
    return { linkId, request: stored };
  }

  /** The request a link id opens, if the link is one of ours. */
  async requestByLink(linkId: string): Promise<ApprovalRequest | undefined> {
    if (!/^[A-Za-z0-9_-]{20,64}$/.test(linkId)) return undefined;
    const hash = hashLink(linkId);
    const { Item: link } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: linkKey(hash) }),
    );
    if (!link) return undefined;
    return this.request(String(link.approvalId), Number(link.stepIndex), hash);
  }

  async request(approvalId: string, stepIndex: number, hash: string): Promise<ApprovalRequest | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: requestKey(approvalId, stepIndex, hash),
        ConsistentRead: true,
      }),
    );
    return Item ? (strip(Item) as unknown as ApprovalRequest) : undefined;
  }

  async requests(approvalId: string, stepIndex?: number): Promise<ApprovalRequest[]> {
    const items: ApprovalRequest[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk },
          ExpressionAttributeValues: {
            ':pk': `approval#${approvalId}`,
            ':prefix': stepIndex === undefined ? 'REQUEST#' : `REQUEST#${pad(stepIndex)}#`,
          },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...((page.Items ?? []).map(strip) as unknown as ApprovalRequest[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /**
   * Records a decision: the request goes from open to decided and the decision joins the step,
   * in one transaction conditioned on both being open. Throws LinkAlreadyUsedError or
   * StepAlreadySettledError when it lost a race or came too late.
   */
  async decide(request: ApprovalRequest, decision: RecordedDecision): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: requestKey(request.approvalId, request.stepIndex, request.linkHash),
                UpdateExpression: 'SET #status = :decided, #decision = :decision, decidedAt = :at',
                ConditionExpression: '#status = :open',
                ExpressionAttributeNames: { '#status': 'status', '#decision': 'decision' },
                ExpressionAttributeValues: {
                  ':decided': 'decided',
                  ':decision': decision.decision,
                  ':at': decision.at,
                  ':open': 'open',
                },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: stepKey(request.approvalId, request.stepIndex),
                UpdateExpression: 'SET decisions = list_append(decisions, :decision)',
                ConditionExpression: '#status = :open',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':decision': [decision], ':open': 'open' },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [onRequest, onStep] = error.CancellationReasons ?? [];
      if (onRequest?.Code === 'ConditionalCheckFailed')
        throw new LinkAlreadyUsedError('this link was already used or closed');
      if (onStep?.Code === 'ConditionalCheckFailed')
        throw new StepAlreadySettledError('the step is no longer open');
      throw error;
    }
  }

  /** Closes open requests (the step settled, the quote was recalled, the links expired). */
  async closeRequests(
    requests: ApprovalRequest[],
    reason: NonNullable<ApprovalRequest['closedReason']>,
  ): Promise<void> {
    for (const request of requests.filter((r) => r.status === 'open')) {
      await this.update(
        requestKey(request.approvalId, request.stepIndex, request.linkHash),
        { status: 'closed', closedReason: reason },
        {
          field: 'status',
          value: 'open',
        },
      );
    }
  }

  /**
   * Notes on an open request that its messages went out (and through which channels), unless
   * that was noted already: answers false then, so a retried send knows it is one.
   */
  async markRequestSent(
    request: ApprovalRequest,
    fields: { sentAt: string } & Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: requestKey(request.approvalId, request.stepIndex, request.linkHash),
          UpdateExpression: `SET ${Object.keys(fields)
            .map((_, i) => `#f${i} = :v${i}`)
            .join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(sentAt)',
          ExpressionAttributeNames: Object.fromEntries(Object.keys(fields).map((k, i) => [`#f${i}`, k])),
          ExpressionAttributeValues: Object.fromEntries(Object.values(fields).map((v, i) => [`:v${i}`, v])),
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** The open request an SMS reply code points to for this phone, if any. */
  async requestBySmsCode(phone: string, code: string): Promise<ApprovalRequest | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: codeKey(phone, code), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return this.request(String(Item.approvalId), Number(Item.stepIndex), String(Item.linkHash));
  }

  /** Counts a wrong code from a phone in the current hour; answers how many so far. */
  async countWrongCode(phone: string, now: Date): Promise<number> {
    const hour = now.toISOString().slice(0, 13);
    const result = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [KEY.pk]: `sms-attempts#${phone}`, [KEY.sk]: hour },
        UpdateExpression: 'ADD attempts :one SET #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':one': 1, ':ttl': Math.floor(now.getTime() / 1000) + 2 * 3600 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.attempts ?? 1);
  }

  async wrongCodes(phone: string, now: Date): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [KEY.pk]: `sms-attempts#${phone}`, [KEY.sk]: now.toISOString().slice(0, 13) },
      }),
    );
    return Number(Item?.attempts ?? 0);
  }

  /**
   * Whether a phone holds a live reply code: only staff are texted codes, so a reply from any
   * other number is not answered (nobody can make the hub text arbitrary numbers).
   */
  async phoneHasLiveCodes(phone: string, now: Date): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: phoneKey(phone), ConsistentRead: true }),
    );
    return Item !== undefined && Number(Item[TTL_ATTRIBUTE]) > Math.floor(now.getTime() / 1000);
  }

  /** A 6-digit reply code unique among this phone's live codes (a million to guess from, not ten thousand). */
  private async claimSmsCode(
    phone: string,
    target: { linkHash: string; approvalId: string; stepIndex: number },
    expiresAt: string,
  ): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const code = String(randomInt(100_000, 1_000_000));
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...codeKey(phone, code),
              entity: 'sms-code',
              ...target,
              [TTL_ATTRIBUTE]: epochSeconds(expiresAt),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) },
          }),
        );
        await this.markPhone(phone, epochSeconds(expiresAt));
        return code;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
    throw new Error(`no free SMS reply code for ${phone}`);
  }

  /** Keeps the phone's marker alive until its latest code expires. */
  private async markPhone(phone: string, until: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: phoneKey(phone),
          UpdateExpression: 'SET #ttl = :until, entity = :entity',
          ConditionExpression: 'attribute_not_exists(#ttl) OR #ttl < :until',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':until': until, ':entity': 'sms-phone' },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  private async update(
    key: Record<string, string>,
    fields: Record<string, unknown>,
    expect?: { field: string; value: string },
  ): Promise<boolean> {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    const removed = Object.entries(fields)
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    if (entries.length === 0 && removed.length === 0) return true;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:v${i}`] = v;
      return `#f${i} = :v${i}`;
    });
    const removes = removed.map((k, i) => {
      names[`#r${i}`] = k;
      return `#r${i}`;
    });
    if (expect) {
      names['#expect'] = expect.field;
      values[':expect'] = expect.value;
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: [
            sets.length ? `SET ${sets.join(', ')}` : '',
            removes.length ? `REMOVE ${removes.join(', ')}` : '',
          ]
            .join(' ')
            .trim(),
          ConditionExpression: expect ? 'attribute_exists(pk) AND #expect = :expect' : 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, entity: _e, [TTL_ATTRIBUTE]: ttl, ...rest } = item;
  // The table's TTL attribute is also the name of requests' and steps' own ISO expiry: only an
  // epoch number is the table's; a string is the record's and stays.
  return typeof ttl === 'string' ? { ...rest, [TTL_ATTRIBUTE]: ttl } : rest;
}
