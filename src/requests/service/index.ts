/**
 * Requests for outside PD: the district's approval chain and budgets, teachers' requests through the chain
 * (approved ones become plan activities), proof of attendance that grants credit once, and reimbursement.
 * Other features import this index only; the pure rules are in ../rules.ts.
 */
export { REQUEST_KINDS } from '../model';
export type { BudgetDoc, OutsideRequestDoc } from '../model';
export { schoolYearOf } from '../rules';
export { addBudget, approvalChain, getBudget, listBudgets, openBudgets, saveApprovalChain, setBudgetAmount } from './budgets';
export { getRequest, goalChoices, requestPath, requestsIn, requestsOf, resubmitRequest, submitRequest } from './requests';
export type { GoalChoice } from './requests';
export { decideStep } from './decisions';
export { decideProof, uploadProof } from './attendance';
export { claimReimbursement, decideReimbursement, financeRows, MAX_RECEIPTS } from './reimbursement';
export type { FinanceRow } from './reimbursement';
export { openFile, PROOF_TYPES } from './files';
export type { UploadedFile } from './files';
