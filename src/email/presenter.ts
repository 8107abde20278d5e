import { COPYABLE_KINDS, EMAIL_KIND_INFO, EMAIL_KINDS, EmailKind, effectiveChoices, Choices } from './rules';

/** Kinds only approvers get; others do not see them on their preferences page. */
const APPROVER_KINDS: readonly EmailKind[] = ['plan-submitted', 'weekly-digest', 'manager-copies'];

export function preferencesView(choices: Choices, opts: { approves: boolean; enabled: boolean; address?: string }) {
  const effective = effectiveChoices(choices);
  return {
    enabled: opts.enabled,
    address: opts.address,
    kinds: EMAIL_KINDS.filter((k) => opts.approves || !APPROVER_KINDS.includes(k)).map((k) => ({ value: k, ...EMAIL_KIND_INFO[k], checked: effective[k] })),
  };
}

export function settingsView(copyOn: readonly EmailKind[]) {
  return { kinds: COPYABLE_KINDS.map((k) => ({ value: k, label: EMAIL_KIND_INFO[k].label, hint: EMAIL_KIND_INFO[k].hint, checked: copyOn.includes(k) })) };
}

export function unsubscribeView(kind: EmailKind) {
  return { kind, kindLabel: EMAIL_KIND_INFO[kind].label, kindHint: EMAIL_KIND_INFO[kind].hint };
}

/** Where an email's link was meant to go, in words a person can follow inside PD Pathways. */
const PAGES: ReadonlyArray<[RegExp, string]> = [
  [/^\/email\/preferences$/, 'Notices → Email preferences'],
  [/^\/plans\/[a-f0-9]{24}\/goals\//, 'the goal in your PD plan (My plan)'],
  [/^\/plans\//, 'the PD plan (My plan, or Approvals for a plan you approve)'],
  [/^\/approvals/, 'Approvals'],
  [/^\/sessions\//, 'the PD session (Sessions)'],
  [/^\/badges/, 'My badges'],
  [/^\/pathways/, 'My pathways'],
  [/^\/my-transcript/, 'My transcript'],
  [/^\/team-goals/, 'Team goals (Explore)'],
  [/^\/(assessments?|recommendations)/, 'Needs assessment'],
  [/^\/observations/, 'Needs assessment (your observations)'],
  [/^\/evaluations/, 'the session evaluation (Notices)'],
];

export function destinationOf(pagePath: string): string {
  return PAGES.find(([p]) => p.test(pagePath))?.[1] ?? 'Notices';
}

export function openView(platformName: string, pagePath: string) {
  return { platformName, destination: destinationOf(pagePath) };
}
