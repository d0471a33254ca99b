/** Glue between HTTP requests and the admin-document use cases. */
import type { ApiRequest } from '../shared/http.ts';
import { badRequest } from '../shared/problem.ts';
import { ADMIN_KINDS, type AdminKind } from './domain/admin-kinds.ts';

export function kindOf(request: ApiRequest): AdminKind {
  const name = request.route.adminKind;
  if (!name) throw new Error(`route ${request.route.path} is not an admin-document route`);
  return ADMIN_KINDS[name];
}

export function versionParam(request: ApiRequest): number {
  const raw = request.path.version ?? '';
  const version = /^[1-9]\d{0,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(version)) throw badRequest(`"${raw.slice(0, 20)}" is not a version number.`);
  return version;
}
