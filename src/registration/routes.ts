import express, { Request, Response, Router } from 'express';
import { z } from 'zod';
import { config } from '../config';
import { logger } from '../log';
import { renderRefusal } from '../lti/launch/pages';
import { allowFraming } from '../web/framing';
import { PlatformAlreadyRegistered, registerNewPlatform } from '../lti/registration/platforms';
import { PlatformConfiguration, readPlatformConfiguration, RegistrationFailed, registerTool } from '../lti/registration/dynamicRegistration';
import { linkAllowsIssuer } from './policy';
import { confirmation, productName } from './presenter';
import * as invites from './service';
import type { RegistrationInviteDoc } from './service';

/**
 * LTI Dynamic Registration 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0), started only from a link a tool
 * admin issued (`npm run platform:link`). GET shows what would be registered and changes nothing; the POST,
 * carrying the page's form token, registers a new platform and spends the link.
 */

const Token = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/);
const Start = z.object({ openid_configuration: z.string().url().max(2000), registration_token: z.string().max(4000).default('') });
const Confirm = Start.extend({ form_token: z.string().max(200) });

function howToGetALink(): string {
  return (
    'Registration links are issued by the person who runs PD Pathways for your district: they run npm run platform:link and send you a link that looks like ' +
    `${config().publicUrl}${invites.REGISTER_PATH}/… — it works once and expires.`
  );
}

function refuseLink(res: Response, state: ReturnType<typeof invites.stateOf> | 'missing'): void {
  const titles = {
    missing: 'A registration link is needed',
    unknown: 'This registration link is not valid',
    used: 'This registration link was already used',
    expired: 'This registration link has expired',
    usable: 'This registration link cannot be used here',
  };
  renderRefusal(res, {
    status: state === 'missing' ? 403 : state === 'unknown' ? 404 : 410,
    title: titles[state],
    detail: 'PD Pathways only registers an LMS through a registration link its administrator issued. Nothing was registered.',
    adminHint: howToGetALink(),
    code: `REGISTRATION_LINK_${state.toUpperCase()}`,
  });
}

function refuseRegistration(res: Response, status: number, detail: string, code: string): void {
  renderRefusal(res, {
    status,
    title: 'Registration did not complete',
    detail: `${detail} Nothing was registered; the registration link can be used again.`,
    adminHint: 'Check that the LMS can reach this tool over HTTPS (Moodle blocks localhost and non-standard ports unless allowed).',
    code,
  });
}

function explainPasting(res: Response): void {
  renderRefusal(res, {
    status: 400,
    title: 'Paste this link into your LMS',
    detail:
      'This registration link is meant for your LMS. Canvas: Admin → Developer Keys → + Developer Key → + LTI Registration, paste it as the dynamic registration URL. ' +
      'Moodle: Site administration → Plugins → Activity modules → External tool → Manage tools, paste it into Tool URL and choose Add LTI Advantage.',
    code: 'REGISTRATION_NOT_STARTED_BY_LMS',
  });
}

/** The usable invite behind a well-formed token; otherwise the page says why and there is none. */
async function usableInvite(req: Request, res: Response): Promise<{ token: string; invite: RegistrationInviteDoc } | undefined> {
  const token = Token.safeParse(req.params.token);
  const invite = token.success ? await invites.findInvite(token.data) : null;
  const state = invites.stateOf(invite);
  if (token.success && invite && state === 'usable') return { token: token.data, invite };
  refuseLink(res, state);
  return undefined;
}

function issuerRefused(res: Response, invite: RegistrationInviteDoc, platform: PlatformConfiguration): boolean {
  if (linkAllowsIssuer(invite, platform.issuer)) return false;
  refuseRegistration(res, 403, `This registration link is for ${invite.issuer}, not for ${platform.issuer}.`, 'REGISTRATION_LINK_OTHER_ISSUER');
  return true;
}

/** GET /register/:token?openid_configuration=…&registration_token=… — the confirmation page. */
async function showConfirmation(req: Request, res: Response): Promise<void> {
  const found = await usableInvite(req, res);
  if (!found) return;
  const start = Start.safeParse(req.query);
  if (!start.success) return explainPasting(res);
  const params = { openidConfiguration: start.data.openid_configuration, registrationToken: start.data.registration_token };
  let platform: PlatformConfiguration;
  try {
    platform = await readPlatformConfiguration(params.openidConfiguration);
  } catch (err) {
    if (err instanceof RegistrationFailed) return refuseRegistration(res, 502, err.message, 'PLATFORM_CONFIGURATION_REFUSED');
    throw err;
  }
  if (issuerRefused(res, found.invite, platform)) return;
  // Canvas and Moodle open the registration in a frame on the page that names its configuration.
  allowFraming(res, [params.openidConfiguration]);
  res.render('registration/confirm', {
    ...confirmation(platform, found.invite),
    action: `${invites.REGISTER_PATH}/${found.token}`,
    form: { ...params, formToken: invites.formToken(found.token, params) },
  });
}

/** A form posted from elsewhere: a foreign Origin, or a form token not made for these parameters. */
function foreignForm(req: Request, token: string, params: invites.RegistrationParams, formToken: string): boolean {
  const origin = req.get('origin');
  if (origin && origin !== new URL(config().publicUrl).origin) return true;
  return !invites.formTokenValid(token, params, formToken);
}

async function register(platform: PlatformConfiguration, registrationToken: string) {
  const issued = await registerTool(platform, registrationToken);
  const tenant = await registerNewPlatform({
    issuer: platform.issuer,
    clientId: issued.clientId,
    name: `${productName({ product: platform.product })} at ${new URL(platform.issuer).host}`,
    family: platform.family,
    authUrl: platform.authUrl,
    tokenUrl: platform.tokenUrl,
    jwksUrl: platform.jwksUrl,
    authorizationServer: platform.authorizationServer,
    deploymentIds: issued.deploymentId ? [issued.deploymentId] : [],
    source: 'dynamic-registration',
  });
  return { tenant, deploymentId: issued.deploymentId };
}

/** POST /register/:token — registers the platform the confirmation page showed, once. */
async function confirmRegistration(req: Request, res: Response): Promise<void> {
  const token = Token.safeParse(req.params.token);
  const body = Confirm.safeParse(req.body);
  if (!token.success) return refuseLink(res, 'unknown');
  if (!body.success) return explainPasting(res);
  const params = { openidConfiguration: body.data.openid_configuration, registrationToken: body.data.registration_token };
  if (foreignForm(req, token.data, params, body.data.form_token)) {
    logger().warn({ origin: req.get('origin') }, 'registration form refused: not from our confirmation page');
    return renderRefusal(res, {
      status: 403,
      title: 'This registration form was not sent from PD Pathways',
      detail: 'Open the registration link from your LMS again and confirm on the page it shows. Nothing was registered.',
      code: 'REGISTRATION_FORM_INVALID',
    });
  }
  const invite = await invites.claimInvite(token.data);
  if (!invite) return refuseLink(res, invites.stateOf(await invites.findInvite(token.data)));
  const found = { token: token.data, invite };
  try {
    const platform = await readPlatformConfiguration(params.openidConfiguration);
    if (issuerRefused(res, found.invite, platform)) return await invites.releaseInvite(found.invite);
    const { tenant, deploymentId } = await register(platform, params.registrationToken);
    await invites.completeInvite(found.invite, tenant);
    logger().info({ issuer: tenant.issuer, clientId: tenant.clientId, deploymentId }, 'platform registered dynamically');
    allowFraming(res, [params.openidConfiguration]);
    res.render('lti/registered', { tenant, deploymentId, family: tenant.family });
  } catch (err) {
    await invites.releaseInvite(found.invite);
    if (err instanceof PlatformAlreadyRegistered) {
      logger().warn({ issuer: err.issuer, clientId: err.clientId }, 'dynamic registration refused: platform already registered');
      return refuseRegistration(res, 409, 'This LMS and client id are already registered with PD Pathways; a registration never changes an existing one (the tool administrator can, with npm run platform:add -- --update).', 'PLATFORM_ALREADY_REGISTERED');
    }
    if (err instanceof RegistrationFailed) return refuseRegistration(res, 502, err.message, 'REGISTRATION_FAILED');
    throw err;
  }
}

export function registrationRouter(): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });
  router.all(invites.REGISTER_PATH, (_req, res) => refuseLink(res, 'missing'));
  router.get(`${invites.REGISTER_PATH}/:token`, (req, res, next) => showConfirmation(req, res).catch(next));
  router.post(`${invites.REGISTER_PATH}/:token`, form, (req, res, next) => confirmRegistration(req, res).catch(next));
  return router;
}
