// Structured JSON logs (pino) for every process; `service` tells worker, api and launcher lines apart.
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service }, redact: ['req.headers.authorization', '*.apiKey', '*.secret'] });
}
