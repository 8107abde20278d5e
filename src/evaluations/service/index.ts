/**
 * Evaluations of PD sessions: forms (district default or per activity, versioned once answered),
 * participants' responses that can release credit held for them, and results. Other features import
 * this index only; the pure rules are in ../rules.ts.
 */
export { FORM_USES } from '../model';
export { templateQuestions } from '../rules';
export type { EvaluationFormDoc, EvaluationResponseDoc } from '../model';
export { activitySetting, activitySettings, anonymity, currentForm, DISTRICT, formFor, saveForm, scopeKeyOf, setActivitySetting, setAnonymity } from './forms';
export type { ActivitySetting, Anonymity, FormUse } from './forms';
export { askedOf, evaluationPath, evaluationToGive, forgetResponses, holdsCredit, pendingEvaluations, responseOf, submitEvaluation } from './responses';
export type { EvaluationToGive, PendingEvaluation } from './responses';
export { efficacyReport, MIN_ANONYMOUS_RESPONSES, responseCounts, resultsFor, resultsSheet } from './results';
export type { Comment, CsvSheet, EfficacyRow, Results, VersionResult } from './results';
