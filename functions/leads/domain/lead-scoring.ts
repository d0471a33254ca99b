/**
 * A lead's facts — what scoring and routing rules may test — and its score: the points of every
 * scoring rule whose condition holds, each with the comparisons that made it hold. Pure.
 */
import type { ScoringRule } from '#schemas/admin/lead-routing';
import { evaluate, type Facts } from '../../admin/domain/evaluate-condition.ts';

export interface ScoreLine {
  rule: string;
  points: number;
  why: string[];
}

export interface LeadScore {
  score: number;
  breakdown: ScoreLine[];
}

/** The facts of a lead's fields (see LEAD_FACTS); absent fields are absent facts. */
export function leadFacts(lead: Record<string, unknown>, formId?: string): Facts {
  const email = typeof lead.email === 'string' ? lead.email : undefined;
  const facts: Facts = {
    hasEmail: email !== undefined,
    hasPhone: typeof lead.phone === 'string',
  };
  for (const field of ['country', 'employees', 'company', 'title', 'source'] as const)
    if (lead[field] !== undefined && lead[field] !== null) facts[field] = lead[field];
  if (email) facts.emailDomain = email.slice(email.lastIndexOf('@') + 1);
  if (formId) facts.formId = formId;
  return facts;
}

export function scoreLead(rules: readonly ScoringRule[], facts: Facts): LeadScore {
  const breakdown: ScoreLine[] = [];
  for (const rule of rules) {
    const result = evaluate(rule.when, facts);
    if (result.matched) breakdown.push({ rule: rule.name, points: rule.points, why: result.reasons });
  }
  return { score: breakdown.reduce((sum, line) => sum + line.points, 0), breakdown };
}
