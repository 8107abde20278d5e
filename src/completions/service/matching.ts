import { Types } from 'mongoose';
import * as catalog from '../../catalog/service';
import { scoped, TenantId } from '../../db/tenancy';
import * as users from '../../users/service';
import type { UserDoc } from '../../users/service';
import { CompletionEventDoc, CompletionMapping, CompletionMappingDoc, UserIdKind } from '../model';
import { fallsBackToEmail } from '../rules';

// Matching a batch of events: who and what each is about, with each lookup made once per batch.

type Identity = { kind: UserIdKind; value: string };

function identitiesOf(ev: CompletionEventDoc): Identity[] {
  const own = { kind: ev.userIdKind as UserIdKind, value: ev.lmsUserId };
  return fallsBackToEmail(ev) ? [own, { kind: 'email', value: ev.userEmail! }] : [own];
}

const identityKey = (kind: UserIdKind, value: string) => `${kind} ${users.aliasValue(kind, value)}`;
const courseKey = (system: string | null | undefined, courseId: string | null | undefined) => `${system ?? 'lms'} ${courseId ?? ''}`;

/** The people, course mappings and catalog activities a batch of events names, each read once. */
export class BatchMatcher {
  private people = new Map<string, UserDoc>();
  private mappings = new Map<string, CompletionMappingDoc>();
  private activities = new Map<string, catalog.ActivityDoc>();
  private byLmsCourse = new Map<string, Promise<catalog.ActivityDoc[]>>();

  private constructor(private tenantId: TenantId) {}

  static async forEvents(tenantId: TenantId, events: CompletionEventDoc[]): Promise<BatchMatcher> {
    const m = new BatchMatcher(tenantId);
    await Promise.all([m.loadPeople(events), m.loadMappings(events)]);
    const activityIds = [...events.flatMap((ev) => (ev.activityId ? [ev.activityId] : [])), ...[...m.mappings.values()].map((x) => x.activityId)];
    if (activityIds.length) for (const a of await catalog.getActivities(tenantId, activityIds)) m.activities.set(String(a._id), a);
    return m;
  }

  private async loadPeople(events: CompletionEventDoc[]): Promise<void> {
    const byKind = new Map<UserIdKind, Set<string>>();
    for (const { kind, value } of events.flatMap(identitiesOf)) byKind.set(kind, (byKind.get(kind) ?? new Set()).add(value));
    for (const [kind, values] of byKind) {
      const found = await users.findByAliases(this.tenantId, kind, [...values]);
      for (const person of found) {
        const value = kind === 'sub' ? person.sub : person.aliases?.[kind];
        if (value && !this.people.has(identityKey(kind, value))) this.people.set(identityKey(kind, value), person);
      }
    }
  }

  private async loadMappings(events: CompletionEventDoc[]): Promise<void> {
    const courseIds = [...new Set(events.flatMap((ev) => (!ev.activityId && ev.courseId ? [ev.courseId] : [])))];
    if (!courseIds.length) return;
    const found = await CompletionMapping.find(scoped(this.tenantId, { courseId: { $in: courseIds } })).lean<CompletionMappingDoc[]>();
    for (const mapping of found) this.mappings.set(courseKey(mapping.system, mapping.courseId), mapping);
  }

  /** The person by the event's own identifier, else by its email. */
  person(ev: CompletionEventDoc): UserDoc | undefined {
    return identitiesOf(ev)
      .map(({ kind, value }) => this.people.get(identityKey(kind, value)))
      .find(Boolean);
  }

  /** The event's activity, else the course's explicit mapping, else the catalog activities naming the LMS course. */
  async activitiesOf(ev: CompletionEventDoc): Promise<catalog.ActivityDoc[]> {
    const named = (id: Types.ObjectId) => this.activities.get(String(id));
    if (ev.activityId) return [named(ev.activityId)].filter((a) => !!a);
    const mapping = this.mappings.get(courseKey(ev.system, ev.courseId));
    if (mapping) return [named(mapping.activityId)].filter((a) => !!a);
    if (ev.system !== 'lms' || !ev.courseId) return [];
    if (!this.byLmsCourse.has(ev.courseId)) this.byLmsCourse.set(ev.courseId, Promise.resolve(catalog.activitiesForLmsCourse(this.tenantId, ev.courseId)));
    return this.byLmsCourse.get(ev.courseId)!;
  }
}
