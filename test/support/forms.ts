import type { FrameworkView } from '../../src/frameworks/service';
import type { Session } from './harness';

/** The framework edit form's fields (dotted names) for a framework, as a browser would post them. */
export function frameworkFormFields(fw: Pick<FrameworkView, 'name' | 'description' | 'domains' | 'competencies'>): Record<string, string> {
  const fields: Record<string, string> = { name: fw.name, description: fw.description };
  fw.domains.forEach((d, i) => Object.assign(fields, { [`domains.${i}.code`]: d.code, [`domains.${i}.name`]: d.name }));
  fw.competencies.forEach((c, i) => {
    const p = `competencies.${i}`;
    Object.assign(fields, { [`${p}.code`]: c.code, [`${p}.domain`]: c.domain, [`${p}.name`]: c.name, [`${p}.description`]: c.description });
    c.levels.forEach((l, j) => (fields[`${p}.levels.${j}`] = l));
  });
  return fields;
}

/** Text of a page without tags, for "what the user reads" assertions. */
export function pageText(html: string): string {
  return html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');
}

/** Posts a form whose fields may repeat (express's urlencoded parser is not extended, so no a[0]=…). */
export function postPairs(s: Session, path: string, pairs: [string, string][]) {
  const body = new URLSearchParams([...pairs, ['ltik', s.ltik], ['_csrf', s.csrf]]).toString();
  return s.launch.agent.post(path).type('form').send(body);
}
