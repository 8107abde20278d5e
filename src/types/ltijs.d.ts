// The parts of ltijs 5 this project uses (ltijs ships no types).
declare module 'ltijs' {
  import type { Express, Request, Response, NextFunction } from 'express';

  export interface IdToken {
    iss: string;
    user: string;
    userInfo?: { given_name?: string; family_name?: string; name?: string; email?: string };
    platformInfo?: { guid?: string; name?: string; product_family_code?: string; version?: string; url?: string };
    clientId: string;
    platformId: string;
    deploymentId: string;
    platformContext: ContextToken;
  }

  export interface ContextToken {
    contextId: string;
    user: string;
    roles: string[];
    path?: string;
    targetLinkUri?: string;
    context?: { id: string; label?: string; title?: string; type?: string[] };
    resource?: { id: string; title?: string };
    custom?: Record<string, string>;
    launchPresentation?: { document_target?: string; return_url?: string; locale?: string };
    messageType: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
    version: string;
    deepLinkingSettings?: Record<string, unknown>;
    lis?: { person_sourcedid?: string; course_section_sourcedid?: string };
    endpoint?: { scope?: string[]; lineitems?: string; lineitem?: string };
    namesRoles?: { context_memberships_url?: string; service_versions?: string[] };
  }

  export interface PlatformConfig {
    url: string;
    name: string;
    clientId: string;
    authenticationEndpoint: string;
    accesstokenEndpoint: string;
    authorizationServer?: string;
    authConfig: { method: 'JWK_SET' | 'JWK_KEY' | 'RSA_KEY'; key: string };
  }

  export interface Platform {
    platformUrl(): Promise<string>;
    platformClientId(): Promise<string>;
    platformKid(): Promise<string>;
    platformName(): Promise<string>;
    platformAccessTokenEndpoint(): Promise<string>;
    platformAuthEndpoint(): Promise<string>;
    platformAuthorizationServer(): Promise<string>;
    platformPrivateKey(): Promise<string>;
    platformActive(active?: boolean): Promise<boolean>;
    platformAuthConfig(): Promise<PlatformConfig['authConfig']>;
    platformJSON(): Promise<Record<string, unknown>>;
    delete(): Promise<void>;
  }

  type Handler = (req: Request, res: Response, next: NextFunction) => unknown;
  type LaunchHandler = (token: IdToken, req: Request, res: Response, next: NextFunction) => unknown;

  export interface SetupOptions {
    appRoute?: string;
    loginRoute?: string;
    keysetRoute?: string;
    dynRegRoute?: string;
    cors?: boolean;
    devMode?: boolean;
    tokenMaxAge?: number | false;
    cookies?: { secure?: boolean; sameSite?: string; domain?: string };
    serverAddon?: (app: Express) => void;
    dynReg?: Record<string, unknown>;
  }

  export interface Provider {
    app: Express;
    Database: { Get(enc: string | false, collection: string, query: object): Promise<unknown[] | false> };
    DeepLinking: { createDeepLinkingMessage(idtoken: IdToken, items: object[], options?: { message?: string; log?: string; errmessage?: string; errlog?: string }): Promise<string> };
    setup(encryptionKey: string, database: { url: string; connection?: object }, options?: SetupOptions): Provider;
    deploy(options?: { serverless?: boolean; silent?: boolean; port?: number }): Promise<true>;
    close(options?: { silent?: boolean }): Promise<true>;
    onConnect(cb: LaunchHandler): true;
    onDeepLinking(cb: LaunchHandler): true;
    onDynamicRegistration(cb: Handler): true;
    onSessionTimeout(cb: Handler): true;
    onInvalidToken(cb: Handler): true;
    onUnregisteredPlatform(cb: Handler): true;
    onInactivePlatform(cb: Handler): true;
    whitelist(...routes: (string | RegExp | { route: string | RegExp; method: string })[]): unknown;
    registerPlatform(p: PlatformConfig): Promise<Platform>;
    getPlatform(url: string, clientId: string): Promise<Platform | false>;
    getPlatform(url: string): Promise<Platform[] | false>;
    getAllPlatforms(): Promise<Platform[]>;
    redirect(res: Response, path: string, options?: { newResource?: boolean; query?: Record<string, string> }): Promise<void>;
    appRoute(): string;
    loginRoute(): string;
    keysetRoute(): string;
  }

  export const Provider: Provider;
}

// ltijs's launch validator: wrapped by src/lti/launch/platformKeys.ts so platform keysets come from a cache.
declare module 'ltijs/dist/Utils/Auth' {
  import type { Platform } from 'ltijs';

  export type GetPlatform = (issuer: string, clientId: string, encryptionKey: string, database: unknown) => Promise<Platform | false | undefined>;
  export type ValidateToken = (token: string, devMode: boolean, validationParameters: object, getPlatform: GetPlatform, encryptionKey: string, database: unknown) => Promise<Record<string, unknown>>;
  const Auth: { validateToken: ValidateToken };
  export default Auth;
}
