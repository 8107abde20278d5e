export { PlatformSimulator } from './simulator';
export { startPlatformServer, type RunningPlatform } from './server';
export { demoRoster } from './roster';
export { FaultInjector, type ActiveFault, type FaultRule } from './faults';
export { Claim, MediaType, Role, Scope } from './vocab';
export type * from './types';
export type { PlatformStorage } from './storage';
