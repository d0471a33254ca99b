import { httpHandler } from '../shared/http.ts';

export const handler = httpHandler(async ({ principal }) => ({
  status: 200,
  body: {
    id: principal.id,
    name: principal.name,
    role: principal.role,
    kind: principal.kind,
    ...(principal.userId ? { userId: principal.userId } : {}),
  },
}));
