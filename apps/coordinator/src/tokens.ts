/** Injection tokens for values that are not classes. */
export const DATABASE = Symbol('DATABASE');
export const SETTINGS = Symbol('SETTINGS');
/** The coordinator's Clock (services/clock.ts): time and timers, injectable so tests can drive them. */
export const CLOCK = Symbol('CLOCK');
