export { createLogger } from './create-logger.ts';
export type { CreateLoggerArgs, LogFormat } from './create-logger.ts';
export type { Level, Logger } from 'pino';
