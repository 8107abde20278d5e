import express, { type ErrorRequestHandler, type Router } from 'express';
import { AccessTokens } from './accessTokens';
import { agsRouter } from './ags';
import { AgsStore } from './agsData';
import { CompletionsSim } from './completions';
import type { SimCore } from './core';
import { copyCourse } from './courseCopy';
import { createDeclaredLineItem, deepLinkingRouter } from './deepLinking';
import { Directory } from './directory';
import { FaultInjector } from './faults';
import { flavorProfile } from './flavors';
import { PlatformKeys } from './keys';
import { LaunchRecords } from './launches';
import { nrpsRouter } from './nrps';
import { loginInitiationParams, oidcRouter, signIdToken } from './oidc';
import { Registrations } from './registration';
import { platformStorage, storageRouter, type PlatformStorage } from './storage';
import { tokenRouter } from './token';
import type {
  DeepLinkResponseRecord,
  Flavor,
  LaunchSpec,
  LineItem,
  PlatformSimulatorOptions,
  Score,
  SimCourse,
  SimResourceLink,
  SimUser,
  TokenRequestRecord,
  ToolEndpoints,
  ToolRegistrationRecord,
} from './types';
import { PlatformUrls } from './urls';

/**
 * An LTI 1.3 platform (Canvas-like or Moodle-like) served by an express router: OIDC launches,
 * JWKS, client_credentials tokens, AGS, NRPS, deep-linking return and dynamic registration.
 */
export class PlatformSimulator {
  readonly router: Router;
  readonly flavor: Flavor;
  readonly issuer: string;
  faults: FaultInjector;
  readonly ags: { lineItems(courseId?: string): LineItem[]; scores(lineItemId?: string): Score[] };
  readonly tokenRequests: TokenRequestRecord[];
  readonly deepLinkResponses: DeepLinkResponseRecord[];
  /** Course completion: Canvas progress API and Live Events, Moodle's completion web service. */
  readonly completions: CompletionsSim;
  private readonly core: SimCore;
  private readonly registrations: Registrations;

  constructor(opts: PlatformSimulatorOptions) {
    const profile = flavorProfile(opts.flavor);
    const baseUrl = opts.baseUrl.replace(/\/+$/, '');
    const urls = new PlatformUrls(baseUrl, profile, () => this.core.deploymentId);
    const store = new AgsStore(urls);
    this.core = {
      profile,
      urls,
      issuer: opts.issuer ?? baseUrl,
      clientId: opts.clientId,
      deploymentId: opts.deploymentId,
      tool: opts.tool,
      nrpsPageSize: opts.nrpsPageSize ?? 10,
      lineItemPageSize: opts.lineItemPageSize ?? 10,
      directory: new Directory(),
      keys: new PlatformKeys(),
      launches: new LaunchRecords(profile.singleUseMessageHint),
      ags: store,
      tokens: new AccessTokens(),
      faults: new FaultInjector(),
      resourceLinks: new Map(),
      deepLinkData: new Set(),
      acceptLineItems: true,
      sendsLinkHistory: false,
      tokenRequests: [],
      deepLinkResponses: [],
    };
    this.flavor = opts.flavor;
    this.issuer = this.core.issuer;
    this.faults = this.core.faults;
    this.tokenRequests = this.core.tokenRequests;
    this.deepLinkResponses = this.core.deepLinkResponses;
    this.ags = { lineItems: (courseId) => store.list(courseId), scores: (lineItemId) => store.scores(lineItemId) };
    this.registrations = new Registrations(this.core);
    this.completions = new CompletionsSim(this.core);
    this.router = this.buildRouter();
  }

  get baseUrl(): string {
    return this.core.urls.base;
  }

  get authUrl(): string {
    return this.core.urls.auth;
  }

  get tokenUrl(): string {
    return this.core.urls.token;
  }

  get jwksUrl(): string {
    return this.core.urls.jwks;
  }

  get openidConfigurationUrl(): string {
    return this.core.urls.openidConfiguration;
  }

  get clientId(): string {
    return this.core.clientId;
  }

  get deploymentId(): string {
    return this.core.deploymentId;
  }

  /** The registered tool; replaceable, e.g. once a tool listening on port 0 knows its URLs. */
  get tool(): ToolEndpoints {
    return this.core.tool;
  }

  set tool(endpoints: ToolEndpoints) {
    this.core.tool = endpoints;
  }

  /** Generates the platform's RSA signing key. */
  async init(): Promise<void> {
    await this.core.keys.init();
    await this.completions.init();
  }

  /** Publishes a new key and signs with it from now on; older keys stay in the JWKS. Returns the new kid. */
  rotateKey(): Promise<string> {
    return this.core.keys.rotate();
  }

  get currentKid(): string {
    return this.core.keys.currentKid;
  }

  addUser(user: SimUser): void {
    this.core.directory.addUser(user);
  }

  addCourse(course: SimCourse): void {
    this.core.directory.addCourse(course);
  }

  users(): SimUser[] {
    return this.core.directory.users();
  }

  courses(): SimCourse[] {
    return this.core.directory.courses();
  }

  /** Resource links the tool created through deep linking. */
  resourceLinks(): SimResourceLink[] {
    return [...this.core.resourceLinks.values()];
  }

  /** Whether deep-linking requests offer line items (`accept_lineitem`); a platform that does not ignores them. */
  set acceptLineItems(accept: boolean) {
    this.core.acceptLineItems = accept;
  }

  /** Whether launches substitute `$ResourceLink.id.history`, as Blackboard, D2L and Sakai do; Canvas and Moodle do not. */
  set sendsLinkHistory(sends: boolean) {
    this.core.sendsLinkHistory = sends;
  }

  /**
   * A teacher copies a course: a new course (new context id) whose links are new resource links with the same
   * custom parameters and a history naming the originals, each with its own gradebook column. Returns the new links.
   */
  copyCourse(fromCourseId: string, to: SimCourse): SimResourceLink[] {
    return copyCourse(this.core, fromCourseId, to);
  }

  /** Moodle: the teacher saves the activity form the deep-linked content went into; its grade item appears. */
  saveActivityForm(linkId: string): void {
    const link = this.core.resourceLinks.get(linkId);
    if (!link) throw new Error(`no resource link ${linkId}`);
    createDeclaredLineItem(this.core, link);
  }

  /** Moodle: the teacher cancels the form; no activity, no link, no grade item. */
  cancelActivityForm(linkId: string): void {
    this.core.resourceLinks.delete(linkId);
  }

  /** The tool's login URL with the login initiation parameters as a query (GET initiation). */
  loginInitiationUrl(spec: LaunchSpec): string {
    const url = new URL(this.core.tool.loginUrl);
    for (const [key, value] of Object.entries(loginInitiationParams(this.core, spec))) url.searchParams.set(key, value);
    return url.toString();
  }

  /** The same initiation as the form Canvas and Moodle post. */
  loginInitiationForm(spec: LaunchSpec): { action: string; fields: Record<string, string> } {
    return { action: this.core.tool.loginUrl, fields: loginInitiationParams(this.core, spec) };
  }

  /** The course page framing the tool for `user`, with platform storage where the flavor offers it. */
  coursePageUrl(courseId: string, user: string): string {
    return `${this.core.urls.base}/courses/${encodeURIComponent(courseId)}/tool?user=${encodeURIComponent(user)}`;
  }

  /** Canvas's storage frame and messages script, for LMS pages that frame the tool. */
  get platformStorage(): PlatformStorage | undefined {
    return platformStorage(this.core);
  }

  signIdToken(spec: LaunchSpec, nonce: string): Promise<string> {
    return signIdToken(this.core, spec, nonce);
  }

  /** Invalidates every access token handed out so far. */
  revokeAccessTokens(): void {
    this.core.tokens.revokeAll();
  }

  /** The URL the platform opens to start LTI Dynamic Registration with the tool. */
  startRegistrationUrl(toolRegisterUrl: string): string {
    return this.registrations.startUrl(toolRegisterUrl);
  }

  /** Tools registered through Dynamic Registration; the latest one is the simulator's current client. */
  registeredTools(): ToolRegistrationRecord[] {
    return [...this.registrations.records];
  }

  private buildRouter(): Router {
    const router = express.Router();
    router.use(oidcRouter(this.core));
    router.use(storageRouter(this.core, (spec) => this.loginInitiationUrl(spec)));
    router.use(tokenRouter(this.core));
    router.use(agsRouter(this.core));
    router.use(nrpsRouter(this.core));
    router.use(deepLinkingRouter(this.core));
    router.use(this.registrations.router());
    router.use(this.completions.router());
    router.use(errorHandler);
    return router;
  }
}

/** Keeps the simulator's failures (mostly unparsable bodies) inside the simulator, as JSON. */
const errorHandler: ErrorRequestHandler = (err: { status?: number; statusCode?: number; message?: string }, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = err.status ?? err.statusCode ?? 500;
  res.status(status).json({ errors: [{ message: err.message ?? 'error' }] });
};
