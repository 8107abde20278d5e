// LTI Advantage scopes: https://www.imsglobal.org/spec/lti-ags/v2p0#assignment-and-grade-service-claim
const AGS = 'https://purl.imsglobal.org/spec/lti-ags/scope/';
const NRPS = 'https://purl.imsglobal.org/spec/lti-nrps/scope/';

export const LTI_SCOPES = {
  lineItem: `${AGS}lineitem`,
  lineItemReadonly: `${AGS}lineitem.readonly`,
  resultReadonly: `${AGS}result.readonly`,
  score: `${AGS}score`,
  membership: `${NRPS}contextmembership.readonly`,
  get all(): string[] {
    return [this.lineItem, this.lineItemReadonly, this.resultReadonly, this.score, this.membership];
  },
};
