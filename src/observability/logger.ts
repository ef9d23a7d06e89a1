/**
 * The operator's logger: pino JSON lines. Known secret-bearing fields are redacted by path, and every finished line
 * passes through the secret scrubber, so a registered secret cannot reach the log even through an error message.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { secretScrubber, type SecretScrubber } from './secret-scrubber.ts';

export type { Logger };

/** Field paths that never reach the log, whatever their value. */
export const REDACT_PATHS = [
  'privateKey',
  '*.privateKey',
  'private',
  '*.private',
  'clientSecret',
  '*.clientSecret',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'credentialsJson',
  '*.credentialsJson',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'data',
  '*.data',
  'stringData',
  '*.stringData',
];

export interface LoggerSettings {
  level?: string;
  destination?: DestinationStream;
  scrubber?: SecretScrubber;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const scrubber = settings.scrubber ?? secretScrubber;
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { app: 'sv-kms-operator' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    formatters: { level: (label) => ({ level: label }) },
    hooks: { streamWrite: (line) => scrubber.scrub(line) },
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
