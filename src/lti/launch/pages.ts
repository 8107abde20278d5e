// Refused launches: https://www.imsglobal.org/spec/security/v1p0/#authentication-response-validation
import { Request, Response } from 'express';
import { config } from '../../config';
import { logger } from '../../log';
import { wantsJson } from '../../web/errors';
import { allowFramingByAnyLms } from '../../web/framing';
import { AdminCommand, addDeploymentCommand, PlatformIds, registerPlatformCommands } from '../registration/adminCommands';

interface Refusal {
  status: number;
  title: string;
  detail: string;
  /** Extra guidance for the LMS administrator, shown under the message. */
  adminHint?: string;
  /** What the LMS sent (issuer, client id, deployment id), shown to the LMS admin. */
  facts?: { label: string; value: string }[];
  /** Commands for the tool admin, each exactly as it runs. */
  commands?: AdminCommand[];
  code?: string;
}

/** Who can run a command on the PD Pathways server. */
function whoToAsk(): string {
  const contact = config().lti.adminContact;
  return `Ask whoever runs PD Pathways for your district${contact ? ` (${contact})` : ''} to run this on the PD Pathways server. The values come from the launch request: run it only if you recognise this LMS.`;
}

function factsOf(ids: PlatformIds): { label: string; value: string }[] {
  const facts = [{ label: 'Issuer', value: ids.issuer }];
  if (ids.clientId !== undefined) facts.push({ label: 'Client id', value: ids.clientId });
  if (ids.deploymentId !== undefined) facts.push({ label: 'Deployment id', value: ids.deploymentId });
  return facts;
}

export function renderRefusal(res: Response, r: Refusal): void {
  res.status(r.status);
  allowFramingByAnyLms(res);
  if (wantsJson(res.req)) {
    const commands = r.commands?.map((c) => c.command);
    res.type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: r.title, status: r.status, detail: r.detail, code: r.code, commands }));
    return;
  }
  res.render('lti/refused', { ...r, ask: r.commands?.length ? whoToAsk() : undefined, demoEnabled: config().demo.enabled });
}

export function refuseUnknownDeployment(res: Response, issuer: string, clientId: string, deploymentId: string): void {
  logger().warn({ issuer, clientId, deploymentId }, 'launch refused: unknown deployment');
  const command = addDeploymentCommand({ issuer, clientId, deploymentId });
  renderRefusal(res, {
    status: 403,
    title: 'This LMS deployment is not registered',
    detail: 'PD Pathways recognises your LMS, but not this deployment of the tool, so the launch was refused and nothing was saved.',
    adminHint: command
      ? 'The LMS is registered with PD Pathways; this deployment (where the tool was installed) is new. Adding it lets this launch through:'
      : 'The LMS sent a deployment id that cannot be shown safely as a command; check the tool’s installation in the LMS.',
    facts: factsOf({ issuer, clientId, deploymentId }),
    commands: command ? [command] : [],
    code: 'UNKNOWN_DEPLOYMENT',
  });
}

export function refuseAnonymous(res: Response): void {
  renderRefusal(res, {
    status: 403,
    title: 'Anonymous launches are not supported',
    detail: 'Your LMS did not tell PD Pathways who you are. A personal plan needs a signed-in user.',
    adminHint: 'Set the tool’s privacy level so that it receives the user id (Canvas: privacy level "public" or "name only"; Moodle: share launcher’s name and email).',
    code: 'ANONYMOUS_LAUNCH',
  });
}

/** Why ltijs rejected an id_token or ltik, in words a teacher and an LMS admin can act on. */
const LAUNCH_FAILURES: Record<string, string> = {
  UNREGISTERED_PLATFORM: 'This LMS or client id is not registered with PD Pathways.',
  PLATFORM_NOT_ACTIVATED: 'This LMS registration has not been activated yet.',
  TOKEN_TOO_OLD: 'The launch took too long to arrive. Please try again.',
  NONCE_ALREADY_RECEIVED: 'This launch was already used. Please open the tool again from your course.',
  ISS_CLAIM_DOES_NOT_MATCH: 'The launch did not come from the LMS that started it.',
  ALG_NOT_RS256: 'The launch was not signed in a way PD Pathways accepts.',
  WRONG_LTI_VERSION_CLAIM: 'The LMS sent an LTI version PD Pathways does not support (1.3.0 is required).',
  NO_MESSAGE_TYPE_CLAIM: 'The LMS sent a message type PD Pathways does not handle.',
  NO_SUB_CLAIM: 'Your LMS did not tell PD Pathways who you are.',
  NONCE_MISSING: 'The LMS sent a launch without the nonce PD Pathways asked for, so it cannot be tied to this sign-in.',
  NONCE_MISMATCH: 'This launch was issued for another sign-in, not the one this browser started. Please open PD Pathways again from your course.',
  AUD_DOES_NOT_MATCH: 'The launch was meant for another tool registration than the one this sign-in started with.',
  IAT_MISSING: 'The launch does not say when it was issued.',
  TOKEN_FROM_THE_FUTURE: 'The launch claims to be issued in the future. Check that the clocks of the LMS and PD Pathways are right.',
  INVALID_TOKEN: 'The launch could not be read.',
  STATE_MISMATCH: 'This launch does not belong to this browser session, or it was already used. Please open PD Pathways again from your course.',
};

export function renderLaunchFailure(req: Request, res: Response, code: string): void {
  logger().warn({ code, reqId: req.id }, 'launch or session refused');
  const known = LAUNCH_FAILURES[code];
  renderRefusal(res, {
    status: 401,
    title: 'The launch could not be verified',
    detail: known ?? 'The launch could not be verified, so nothing was saved. Please open PD Pathways again from your course.',
    adminHint: known ? undefined : `Technical detail for your LMS administrator: ${code}`,
    code,
  });
}

export function renderNoSession(res: Response): void {
  renderRefusal(res, {
    status: 401,
    title: 'Please open PD Pathways from your LMS',
    detail: 'PD Pathways runs inside Canvas or Moodle. Open it from your course or the PD Pathways link in your LMS navigation.',
    code: 'NO_SESSION',
  });
}

/** The LMS (issuer and client id, as the request names them) is not registered. */
export function renderUnregisteredPlatform(res: Response, ids?: PlatformIds): void {
  const commands = ids ? registerPlatformCommands(ids) : [];
  renderRefusal(res, {
    status: 400,
    title: 'This LMS is not registered',
    detail: 'PD Pathways does not know the LMS that sent you here, so it cannot sign you in. Nothing was saved.',
    adminHint: commands.length
      ? 'Register this LMS with PD Pathways in one of these ways, then open the tool again:'
      : 'Register the LMS with a registration link (npm run platform:link) or with npm run platform:add; see “Registering PD Pathways in an LMS” in the README.',
    facts: ids ? factsOf(ids) : undefined,
    commands,
    code: 'UNREGISTERED_PLATFORM',
  });
}
