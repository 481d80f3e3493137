// `npm run setup:tools [-- <tool>...]`: the tools step on its own (every entry point runs it anyway). Without
// arguments: what `npm test` needs. Tools: temporal, temporal-server, temporal-test-server, schemathesis, stripe-mock,
// chromium.
// Exit 1 with one line per tool that cannot be provided.
import { ensureTools, type ToolName, ToolsUnavailableError, testTools } from './lib/ensureTools.js';
import { TOOL_NAMES } from './lib/tools/toolDecision.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => !(TOOL_NAMES as readonly string[]).includes(a));
if (unknown.length > 0) {
  console.error(`unknown tool ${unknown.join(', ')}; known: ${TOOL_NAMES.join(', ')}`);
  process.exit(2);
}
try {
  await ensureTools(args.length > 0 ? (args as ToolName[]) : testTools());
} catch (err) {
  if (!(err instanceof ToolsUnavailableError)) throw err;
  for (const line of err.lines) console.error(`[tools] ${line}`);
  process.exit(1);
}
