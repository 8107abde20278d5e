import type { Session } from './harness';

/** The pathway form's fields for these steps (activity ids, required unless listed as electives). */
export function pathwayFields(title: string, steps: string[], opts: { electives?: string[]; ruleKind?: string; ruleN?: number; ruleHours?: number; selfEnrol?: boolean; competencies?: string[] } = {}): Record<string, unknown> {
  const fields: Record<string, unknown> = { title, summary: `${title}: a district pathway.`, ruleKind: opts.ruleKind ?? 'all', competencies: opts.competencies ?? [] };
  if (opts.ruleN !== undefined) fields.ruleN = String(opts.ruleN);
  if (opts.ruleHours !== undefined) fields.ruleHours = String(opts.ruleHours);
  if (opts.selfEnrol) fields.selfEnrol = 'on';
  steps.forEach((id, i) => {
    fields[`steps.${i}.activityId`] = id;
    fields[`steps.${i}.position`] = String(i + 1);
    if (!opts.electives?.includes(id)) fields[`steps.${i}.required`] = 'on';
  });
  return fields;
}

/** Posts a file as a browser's multipart form would, with the session's ltik and CSRF token. */
export function uploadFile(s: Session, path: string, content: string, name = 'upload.csv') {
  return s.launch.agent.post(`${path}?ltik=${encodeURIComponent(s.ltik)}`).field('_csrf', s.csrf).attach('file', Buffer.from(content), name);
}

/** The id in a redirect to /<prefix>/<id>. */
export function idFrom(location: string, prefix: string): string {
  const match = new RegExp(`${prefix}/([a-f0-9]{24})`).exec(location);
  if (!match) throw new Error(`no ${prefix} id in ${location}`);
  return match[1]!;
}
