/**
 * Badges: achievements PD staff define, the district as issuer (profile, keys), issuing, verifying and
 * revoking credentials. Other features import this index only; image and issuer rules are in ../rules.ts.
 */
export type { AchievementDoc, CredentialDoc, IssuerKeyDoc } from '../model';
export type { ChangedBy } from '../../audit/service';
export { MAX_IMAGE_BYTES } from '../rules';
export type { UploadedImage } from '../rules';
export {
  AchievementInput,
  attachedActivityIds,
  competenciesOf,
  competencyNames,
  createAchievement,
  frameworkCompetencies,
  getAchievement,
  issuedCounts,
  listAchievements,
  microCredentialActivities,
  setAchievementStatus,
  updateAchievement,
  uploadedImage,
  validateAchievement,
} from './achievements';
export { activeIssuerKey, allIssuerKeys, issuerProfile, publishedKey, publishedKeys, rotateIssuerKey, updateIssuerProfile } from './issuer';
export { award } from './issuing';
export type { AwardRequest } from './issuing';
export { checkSignature, credentialsForAchievement, credentialsOf, earnedBadge, getCredential, publicCredential, revoke, revokedCredentials, setNameShared } from './records';
export { ensureSampleAchievements } from './samples';
export { didDocument } from './did';
export { checkIntegrity, statusListCredential } from './proofs';
export type { IntegrityCheck } from './proofs';
