// Where the console finds the API and the Temporal UI (set by `npm start`; defaults for a local run).
export const config = {
  apiUrl: (process.env.API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, ''),
  temporalUiUrl: (process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233').replace(/\/$/, ''),
  temporalNamespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  /** Encrypts the ops session cookie; shared with the API's CONSOLE_SIGNING_SECRET by `npm start`. */
  sessionSecret: process.env.CONSOLE_SIGNING_SECRET ?? 'dev-only-console-secret-change-me-0000000000',
};
