import { scoped, TenantId } from '../../db/tenancy';
import * as catalog from '../../catalog/service';
import { Achievement, AchievementDoc } from '../model';
import { competencyNames, microCredentialActivities } from './achievements';
import { isDuplicateKey } from '../../db/writeErrors';

// The demo district's sample badges.

const SAMPLE_ACHIEVEMENTS = [
  {
    sampleKey: 'checking-understanding',
    activityTitle: 'Micro-credential: Checking for Understanding',
    name: 'Checking for Understanding',
    description: 'Uses quick, planned checks for understanding and adjusts teaching on the spot.',
    criteria: 'Complete the Checking for Understanding micro-credential: plan hinge questions, use them in three lessons and submit student evidence.',
    color: '#1d7a46',
    tags: ['formative assessment', 'micro-credential'],
    competencies: ['ASMT1'],
  },
  {
    sampleKey: 'formative-practitioner',
    name: 'Formative Assessment Practitioner',
    description: 'Completed a professional-learning goal in formative assessment.',
    criteria: 'Complete a PD plan goal in formative assessment, with its activities and a reflection on practice.',
    color: '#1f5f8b',
    tags: ['formative assessment'],
    competencies: ['ASMT1', 'ASMT2'],
  },
];

/** Demo districts start with two badges, one awarded by the sample micro-credential activity (the signing key comes with the first badge issued). */
export async function ensureSampleAchievements(tenantId: TenantId): Promise<void> {
  const codes = await competencyNames(tenantId);
  for (const { sampleKey, activityTitle, ...fields } of SAMPLE_ACHIEVEMENTS) {
    const doc = { ...fields, competencies: fields.competencies.filter((c) => codes.has(c)) };
    try {
      await Achievement.updateOne(scoped(tenantId, { sampleKey }), { $setOnInsert: doc }, { upsert: true });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const achievement = await Achievement.findOne(scoped(tenantId, { sampleKey })).lean<AchievementDoc>();
    const activity = activityTitle ? (await microCredentialActivities(tenantId)).find((a) => a.title === activityTitle) : undefined;
    if (achievement && activity && !activity.achievementId) await catalog.setActivityAchievement(tenantId, activity._id, achievement._id);
  }
}

