/**
 * The record port (functions/records/ports.ts) in memory, for unit tests of use cases: records by
 * type and id, a version check on replace, unique values, equality filters and history. Items
 * written alongside a record (`extra`) are kept in `alongside` for the test to read; the real
 * store and its transactions are covered by the integration tests against DynamoDB Local.
 */
import type { RecordPort } from '#functions/records/ports';
import type { AuditEntry } from '#schemas/audit';
import type { StoredRecord } from '#schemas/common';
import { UniqueConflictError, VersionConflictError } from '#store/errors';
import type { EntityDescriptor, ListQuery, Page, RecordChange } from '#store/record-store';

const keyOf = (type: string, id: string) => `${type}#${id}`;

export class MemoryRecords implements RecordPort {
  readonly records = new Map<string, StoredRecord>();
  readonly audits: AuditEntry[] = [];
  readonly alongside: unknown[] = [];
  private readonly unique = new Map<string, string>();

  /** Puts a record as it would be stored, with system fields filled in where the test leaves them out. */
  put(type: string, record: { id: string } & Record<string, unknown>): StoredRecord {
    const stored: StoredRecord = {
      version: 1,
      archived: false,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      createdBy: 'test',
      updatedBy: 'test',
      ...record,
    };
    this.records.set(keyOf(type, record.id), structuredClone(stored));
    return stored;
  }

  async get(type: string, id: string) {
    const found = this.records.get(keyOf(type, id));
    return found && structuredClone(found);
  }

  async findUnique(type: string, field: string, value: string) {
    return this.unique.get(`${type}#${field}#${value.toLowerCase()}`);
  }

  async getMany(keys: readonly { type: string; id: string }[]) {
    const found = new Map<string, StoredRecord>();
    for (const { type, id } of keys) {
      const record = await this.get(type, id);
      if (record) found.set(keyOf(type, id), record);
    }
    return found;
  }

  async create(entity: EntityDescriptor, record: StoredRecord, audit: AuditEntry, extra: unknown[] = []) {
    const key = keyOf(entity.name, record.id);
    if (this.records.has(key)) throw new VersionConflictError(`${key} exists`);
    this.claim(entity, undefined, record);
    this.records.set(key, structuredClone(record));
    this.audits.push(audit);
    this.alongside.push(...extra);
  }

  async replace(
    entity: EntityDescriptor,
    previous: StoredRecord,
    next: StoredRecord,
    audit: AuditEntry,
    extra: unknown[] = [],
  ) {
    const key = keyOf(entity.name, next.id);
    if (this.records.get(key)?.version !== previous.version || next.version !== previous.version + 1)
      throw new VersionConflictError(`${key} changed`);
    this.claim(entity, previous, next);
    this.records.set(key, structuredClone(next));
    this.audits.push(audit);
    this.alongside.push(...extra);
  }

  /** All or none: a failed change leaves the records, claims and history as they were. */
  async writeAll(changes: readonly RecordChange[], extra: unknown[] = []) {
    const saved = {
      records: new Map(this.records),
      unique: new Map(this.unique),
      audits: this.audits.length,
      alongside: this.alongside.length,
    };
    try {
      for (const change of changes)
        if (change.previous) await this.replace(change.entity, change.previous, change.record, change.audit);
        else await this.create(change.entity, change.record, change.audit);
      this.alongside.push(...extra);
    } catch (error) {
      this.records.clear();
      for (const [k, v] of saved.records) this.records.set(k, v);
      this.unique.clear();
      for (const [k, v] of saved.unique) this.unique.set(k, v);
      this.audits.length = saved.audits;
      this.alongside.length = saved.alongside;
      throw error;
    }
  }

  async appendHistory(_type: string, audit: AuditEntry) {
    this.audits.push(audit);
  }

  async list(entity: EntityDescriptor, query: ListQuery): Promise<Page<StoredRecord>> {
    const prefix = `${entity.name}#`;
    const matching = [...this.records.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([, record]) => record)
      .filter((record) => query.includeArchived || !record.archived)
      .filter((record) => query.filters.every((f) => record[f.field] === f.value))
      .sort((a, b) => a.id.localeCompare(b.id));
    const start = query.cursor ? Number(query.cursor) : 0;
    const items = matching.slice(start, start + query.limit).map((r) => structuredClone(r));
    const end = start + items.length;
    return { items, nextCursor: end < matching.length ? String(end) : null };
  }

  async history(type: string, id: string, limit: number, cursor?: string): Promise<Page<AuditEntry>> {
    const entries = this.audits
      .filter((a) => a.recordType === type && a.recordId === id)
      .sort((a, b) => b.id.localeCompare(a.id));
    const start = cursor ? Number(cursor) : 0;
    const items = entries.slice(start, start + limit);
    const end = start + items.length;
    return { items, nextCursor: end < entries.length ? String(end) : null };
  }

  private claim(entity: EntityDescriptor, previous: StoredRecord | undefined, next: StoredRecord) {
    for (const field of entity.unique) {
      const value = next[field];
      const before = previous?.[field];
      if (value === before) continue;
      const key = (v: string) => `${entity.name}#${field}#${v.toLowerCase()}`;
      if (typeof value === 'string') {
        const holder = this.unique.get(key(value));
        if (holder && holder !== next.id) throw new UniqueConflictError(field, value, holder);
        this.unique.set(key(value), next.id);
      }
      if (typeof before === 'string') this.unique.delete(key(before));
    }
  }
}
