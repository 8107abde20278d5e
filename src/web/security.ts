import { RequestHandler } from 'express';
import helmet from 'helmet';
import { AppConfig } from '../config';
import { AppError } from '../kernel/errors';
import { defaultFrameAncestors } from './framing';

/**
 * CSP without inline scripts. Framing starts at 'self'; pages inside an LMS widen it to their platform
 * (`./framing.ts`), so X-Frame-Options is off. Forms may post to LMS deep-linking return URLs, hence no form-action.
 */
export function securityHeaders(cfg: AppConfig): RequestHandler {
  return helmet({
    frameguard: false,
    crossOriginOpenerPolicy: false,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: cfg.env === 'production',
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: defaultFrameAncestors(),
      },
    },
  });
}

/** In production, session cookies must never travel over plain HTTP. */
export function requireHttps(cfg: AppConfig): RequestHandler {
  return (req, _res, next) => {
    if (cfg.env !== 'production' || req.secure || req.path === '/healthz' || req.path === '/readyz') return next();
    next(new AppError(400, 'HTTPS required', 'PD Pathways only accepts HTTPS requests in production. Check the proxy sets X-Forwarded-Proto and TRUST_PROXY is on.'));
  };
}
