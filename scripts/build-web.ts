// `npm run web:build`: build the web console now (npm start and the browser tests build it when needed anyway).
import { ensureWebBuild } from './lib/webConsole.js';

await ensureWebBuild((m) => console.log(`[web] ${m}`));
