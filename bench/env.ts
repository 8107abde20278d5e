import { APP_SECRET } from './stack';

// The bench process runs the features' services itself (seeding, issuing webhook secrets): the same
// settings as the tools it starts, read before anything asks for config().
Object.assign(process.env, { NODE_ENV: 'development', APP_SECRET, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', DEMO_ENABLED: 'false' });
