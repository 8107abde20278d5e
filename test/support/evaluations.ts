import { Types } from 'mongoose';
import { templateQuestions } from '../../src/evaluations/rules';
import { Harness, Persona, Session } from './harness';
import { SessionsWorld } from './sessions';

/** The form editor's fields for these questions (the template unless told), as a browser posts them. */
export function formFields(title = 'Session evaluation', questions = templateQuestions()): Record<string, string> {
  const fields: Record<string, string> = { title, intro: 'Two minutes, please.' };
  questions.forEach((q, i) => {
    const p = `questions.${i}`;
    Object.assign(fields, { [`${p}.prompt`]: q.prompt, [`${p}.kind`]: q.kind, [`${p}.options`]: q.options.join('\n'), [`${p}.measure`]: q.measure });
    if (q.required) fields[`${p}.required`] = 'on';
  });
  return fields;
}

/** The current form's questions, read back from the database. */
export async function formQuestions(h: Harness, scopeKey = 'district'): Promise<{ key: string; kind: string; measure: string; options: string[] }[]> {
  // The Canvas district's form: the Moodle district has its own, with other question keys and the same version.
  const form = await h.db().collection('evaluationforms').find({ tenantId: h.canvas.tenantId, scopeKey }).sort({ version: -1 }).limit(1).next();
  return form!.questions;
}

/** A full answer: every rating `rating` (confidence before one lower), the first choice, a comment. */
export async function answersFor(h: Harness, rating: number, comment = 'Useful examples.'): Promise<[string, string][]> {
  return (await formQuestions(h)).map((q) => [`answers.${q.key}`, q.kind === 'rating' ? String(q.measure === 'confidence-before' ? Math.max(1, rating - 1) : rating) : q.kind === 'text' ? comment : q.options[0]!]);
}

/** Registers these people, then moves the session so that it started ten minutes ago and lasts two hours. */
export async function sessionUnderWay(h: Harness, w: SessionsWorld, persons: Persona[], fields: Record<string, string> = {}): Promise<string> {
  const id = await w.schedule({ seatLimit: '5', ...fields });
  for (const p of persons) await w.register(p, id);
  const start = Date.now() - 10 * 60_000;
  await h.db().collection('pdsessions').updateOne({ _id: new Types.ObjectId(id) }, { $set: { startsAt: new Date(start), endsAt: new Date(start + 2 * 3_600_000) } });
  return id;
}

export async function signIn(w: SessionsWorld, s: Session, id: string) {
  const code = (await w.sessionDoc(id))!.signInCode as string;
  return s.post(`/sessions/${id}/sign-in`, { code });
}
