// OIDC state and nonce: https://www.imsglobal.org/spec/security/v1p0/#step-1-third-party-initiated-login
import crypto from 'node:crypto';
import { Schema, model } from 'mongoose';
import { config } from '../../config';

/**
 * One OIDC login the tool started (1EdTech Security Framework 5.1.1.2): the `state` and the `nonce`
 * sent to the platform, kept server side so the launch can be bound to them (OIDC Core 3.1.3.7 rule 11).
 * Each record is used once: the launch consumes it with a conditional delete. The login hints stay
 * here too, so a browser that blocks cookies in the frame can start the same login in its own window.
 */
const LoginStateSchema = new Schema(
  {
    _id: { type: String },
    nonce: { type: String, required: true },
    issuer: { type: String, required: true },
    clientId: { type: String, required: true },
    loginHint: { type: String, required: true },
    messageHint: { type: String },
    deploymentId: { type: String },
    targetLinkUri: { type: String, required: true },
    /** `lti_storage_target` from the login request: the platform offers LTI platform storage. */
    storageTarget: { type: String },
    /** Origin of the page that sent the browser to /login, per the browser: it may frame this login's pages. */
    framedFrom: { type: String },
    /** Started in the new top-level window, where the state cookie is first-party. */
    inNewWindow: { type: Boolean, default: false },
    /** Opens this login in a new top-level window (cookie-blocked frames without platform storage). */
    windowHandle: { type: String, required: true, unique: true },
    /** 'login' until the launch arrives; 'storage-check' while the browser compares platform storage. */
    phase: { type: String, enum: ['login', 'storage-check'], default: 'login' },
    checkId: { type: String },
    idToken: { type: String },
    expiresAt: { type: Date, required: true, index: { expireAfterSeconds: 0 } },
  },
  { versionKey: false },
);
const LoginState = model('LtiLoginState', LoginStateSchema, 'ltiloginstates');

export interface LoginRequest {
  issuer: string;
  clientId: string;
  loginHint: string;
  messageHint?: string;
  deploymentId?: string;
  targetLinkUri: string;
  storageTarget?: string;
  framedFrom?: string;
  inNewWindow?: boolean;
}

export interface LoginRecord extends LoginRequest {
  state: string;
  nonce: string;
  windowHandle: string;
}

function random(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function expiry(): Date {
  return new Date(Date.now() + config().lti.loginTtlSeconds * 1000);
}

function toRecord(doc: Record<string, unknown>): LoginRecord {
  return {
    state: doc._id as string,
    nonce: doc.nonce as string,
    windowHandle: doc.windowHandle as string,
    issuer: doc.issuer as string,
    clientId: doc.clientId as string,
    loginHint: doc.loginHint as string,
    messageHint: (doc.messageHint as string | undefined) ?? undefined,
    deploymentId: (doc.deploymentId as string | undefined) ?? undefined,
    targetLinkUri: doc.targetLinkUri as string,
    storageTarget: (doc.storageTarget as string | undefined) ?? undefined,
    framedFrom: (doc.framedFrom as string | undefined) ?? undefined,
    inNewWindow: doc.inNewWindow === true,
  };
}

export async function startLogin(request: LoginRequest): Promise<LoginRecord> {
  const record = { ...request, state: random(), nonce: random(), windowHandle: random() };
  const { state, ...rest } = record;
  await LoginState.create({ _id: state, ...rest, expiresAt: expiry() });
  return record;
}

/** A login still waiting for its launch (reading it changes nothing). */
export async function pendingLogin(state: string): Promise<LoginRecord | null> {
  const doc = await LoginState.findOne({ _id: state, phase: 'login', expiresAt: { $gt: new Date() } }).lean();
  return doc ? toRecord(doc) : null;
}

/** The launch for this state arrived: the login is used up, whatever happens next. */
export async function consumeLogin(state: string): Promise<LoginRecord | null> {
  const doc = await LoginState.findOneAndDelete({ _id: state, phase: 'login', expiresAt: { $gt: new Date() } }).lean();
  return doc ? toRecord(doc) : null;
}

/**
 * The launch arrived without the state cookie at a login that offered platform storage: the id_token
 * waits (single use, a few minutes) under a fresh check id that only the page answering this POST knows.
 */
export async function awaitStorageCheck(state: string, idToken: string): Promise<string | null> {
  const checkId = random();
  const doc = await LoginState.findOneAndUpdate(
    { _id: state, phase: 'login', expiresAt: { $gt: new Date() } },
    { $set: { phase: 'storage-check', checkId, idToken, expiresAt: expiry() } },
  ).lean();
  return doc ? checkId : null;
}

/** The browser found this state and nonce in the platform's storage: hand back the waiting id_token, once. */
export async function completeStorageCheck(state: string, checkId: string): Promise<(LoginRecord & { idToken: string }) | null> {
  const doc = await LoginState.findOneAndDelete({ _id: state, phase: 'storage-check', checkId, expiresAt: { $gt: new Date() } }).lean();
  return doc?.idToken ? { ...toRecord(doc), idToken: doc.idToken } : null;
}

/** Takes the new-window handle of a login (once): the hints it carries start a fresh login there. */
export async function takeWindowHandle(handle: string): Promise<LoginRecord | null> {
  const doc = await LoginState.findOneAndDelete({ windowHandle: handle, phase: 'login', expiresAt: { $gt: new Date() } }).lean();
  return doc ? toRecord(doc) : null;
}

/** Drops a login whose launch was refused later (no-op when already gone). */
export async function forgetLogin(state: string): Promise<void> {
  await LoginState.deleteOne({ _id: state });
}
