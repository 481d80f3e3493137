// Compares what one organization was answered in two runs of the same script: the ids and timestamps each run created
// differ, so they are named by order of appearance (the first id in a response is <id 1>, and so on); any other
// difference, a name, an amount, a status, an extra row, is a real one.
import type { ApiResponse } from './apiFactories.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;

/** Status, media type and body, with ids and timestamps by order of appearance and `replace` pairs applied first. */
export function normalizedResponse(res: ApiResponse | undefined, replace: Array<[RegExp | string, string]> = []) {
  if (res === undefined) return undefined;
  let text = JSON.stringify({ status: res.status, type: res.headers.get('content-type'), body: res.body });
  for (const [pattern, by] of replace) text = text.replaceAll(pattern, by);
  const ids = new Map<string, string>();
  text = text
    .replace(UUID, (id) => {
      const key = id.toLowerCase();
      if (!ids.has(key)) ids.set(key, `<id ${ids.size + 1}>`);
      return ids.get(key) as string;
    })
    .replace(TIMESTAMP, '<timestamp>');
  return JSON.parse(text) as unknown;
}
