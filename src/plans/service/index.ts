/**
 * Plans: goals and their activities, progress (manual, LMS completions, evidence), reflections and
 * coaching, the lifecycle (submit, approve, review, renew), changes to an approved plan, pathway-assigned
 * and team goals, a teacher's record and its deletion, and report queries. Other features import this
 * index only; the pure rules are in ../rules.ts and ../changes.ts.
 */
export { ACTIVITY_PROGRESS, COACHING_STEPS } from '../model';
export { creditKey } from '../credit';
export type { EvidenceDoc, GoalDoc, GroupGoalDoc, PlanActivityDoc, PlanDoc, PlanWithEvidence, ReflectionDoc, SubmittedPlan } from '../model';
export { catalogActivitiesToDo, goalOpening, goalProgress, loadTotals, MAX_GOALS, money, newGoalIn, nextReview, plannedGoals, planProgress, planTotals, reviewDue, reviewKindNow, STATUS_LABELS, submitProblems, teamGoalBlocker } from '../rules';
export type { ActivityProgress, CapProblem, CoachingStep, CompletionSource, DueReview, GoalOpening, GoalRule, PlanTotals } from '../rules';
export type { ChangedBy } from './common';
export { ensureDraftPlan } from './common';
export { currentPlan, currentPlans, findGoal, findPlanActivity, getPlan, goalById, planHistory, planOwners, plansForUsers, plansWithChangesToApprove, plansWithEvidenceToVerify, submittedPlans } from './reading';
export { addGoal, addRecommendedGoal, removeGoal, updateGoal, validateGoal } from './goals';
export type { GoalInput } from './goals';
export { addApprovedActivity, addCatalogActivity, addCustomActivity, capsBrokenBy, removeActivity, setPlannedDates } from './activities';
export type { ApprovedOutsideActivity } from './activities';
export { addAssignedGoal, migrateAssignedGoal } from './assignedGoals';
export type { AssignedGoalInput } from './assignedGoals';
export { applyActivityCompletion, applyActivityCompletions, completeApprovedActivity, setActivityProgress, tickCoachingStep } from './progress';
export type { CompletionInput, CompletionResult, ProgressOutcome } from './progress';
export { acceptedFileType, addEvidence, decideEvidence, EVIDENCE_TYPES, evidenceMaxBytes, findEvidence, openEvidenceFile } from './evidence';
export type { UploadedFile } from './evidence';
export { addFeedback, addReflection, setReflectionShared } from './reflections';
export { approversOf } from './announcements';
export { decidePlan, submitPlan } from './approval';
export { decideChange, sendChanges, withdrawChange } from './proposals';
export { completeReview, continuePlan, renewPlan, setCommitment } from './lifecycle';
export type { ReviewInput } from './lifecycle';
export { createGroupGoal, getGroupGoal, groupGoalsFor, groupProgress, joinGroupGoal } from './teamGoals';
export type { GroupProgress } from './teamGoals';
export { completedCreditOf, deleteUserData, planRecord } from './record';
export type { ForgetAssessments } from './record';
export type { DeletionSummary } from './record';
export { districtPlans, plansWithFigures, progressSummaries, reportActivityUse, reportAssignedGoals, reportCompletionSources, reportGoalsByCompetency, reportPlanLoad, reportReviewRatings, reportReviewsDue } from './reports';
export type { FiguredPlan } from './figures';
export type { AssignedGoalRow, PlanLoadRow, PlanProgressSummary, PlanReportFilter } from './reports';
