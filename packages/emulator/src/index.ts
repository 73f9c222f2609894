export { startEmulator } from './emulator.js';
export type { Emulator, EmulatorOptions, PrerenderSpec } from './emulator.js';
export type { Fault, FaultMatch, ScriptOptions } from './faults.js';
export type { RecordedRequest } from './recorded-request.js';
export type { GcsEmulator, GcsObject } from './gcs/gcs-store.js';
export type { ServiceAccountCredentials, TokenGrant } from './credentials.js';
