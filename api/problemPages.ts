// GET /problems and GET /problems/{code}: what each problem `type` URL points at. Every error the API answers names
// its page (`"type": "/problems/NOT_FOUND"`, relative to the API), so an integrator who meets a code can read what it
// means and what to do, in a browser (HTML) or a client (`Accept: application/json`). No key needed.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { escapeHtml } from './documentHtml.js';
import { PROBLEM_CATALOG, type ProblemKind, problemCode, problemTypeUrl } from './problemCatalog.js';

const ProblemKindSchema = z
  .object({
    code: z.string(),
    type: z.string(),
    status: z.number().int().openapi({ description: 'The HTTP status it comes with (200 for event outcomes)' }),
    title: z.string(),
    meaning: z.string(),
    action: z.string(),
  })
  .openapi('ProblemKind');

const NOT_FOUND_EXAMPLE = {
  code: 'NOT_FOUND',
  type: '/problems/NOT_FOUND',
  status: 404,
  title: 'Not found',
  meaning: PROBLEM_CATALOG.NOT_FOUND?.meaning ?? '',
  action: PROBLEM_CATALOG.NOT_FOUND?.action ?? '',
};

const page = (description: string, example: unknown) => ({
  description,
  content: {
    'text/html': { schema: z.string(), example: '<!DOCTYPE html><html lang="en">...</html>' },
    'application/json': { schema: ProblemKindSchema, example },
  },
});

const indexRoute = createRoute({
  method: 'get',
  path: '/problems',
  tags: ['System'],
  summary: 'Every problem code the API answers with',
  description:
    'The catalog of stable `code`s: status, title, meaning and what to do. HTML by default; ' +
    '`Accept: application/json` gives the list as JSON.',
  request: { query: z.strictObject({}) },
  responses: {
    200: {
      description: 'The catalog',
      content: {
        'text/html': { schema: z.string(), example: '<!DOCTYPE html><html lang="en">...</html>' },
        'application/json': {
          schema: z.object({ data: z.array(ProblemKindSchema) }).openapi('ProblemCatalog'),
          example: { data: [NOT_FOUND_EXAMPLE] },
        },
      },
    },
  },
});

const codeRoute = createRoute({
  method: 'get',
  path: '/problems/{code}',
  tags: ['System'],
  summary: 'What a problem code means and what to do',
  description:
    "The page a problem's `type` points at. `code` as the problem carries it (`NOT_FOUND`) or in kebab case " +
    '(`not-found`). HTML by default; `Accept: application/json` gives it as JSON. An unknown code is 404.',
  request: {
    params: z.object({
      code: z.string().openapi({ param: { name: 'code', in: 'path' }, example: 'NOT_FOUND' }),
    }),
    query: z.strictObject({}),
  },
  responses: {
    200: page('The code', NOT_FOUND_EXAMPLE),
    404: page('No such code', NOT_FOUND_EXAMPLE),
  },
});

const view = (code: string, kind: ProblemKind) => ({ code, type: problemTypeUrl(code), ...kind });

// `code` spans in the catalog's prose, shown as code.
const prose = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

function html(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}dt{font-weight:600;margin-top:1rem}</style>
</head><body>${body}</body></html>`;
}

const wantsJson = (c: Context) => /application\/json/i.test(c.req.header('accept') ?? '');

export function problemPageRoutes() {
  return new OpenAPIHono()
    .openapi(indexRoute, (c) => {
      const data = Object.entries(PROBLEM_CATALOG).map(([code, kind]) => view(code, kind));
      if (wantsJson(c)) return c.json({ data }, 200);
      const items = data
        .map((p) => `<dt><a href="${p.type}"><code>${p.code}</code></a> (${p.status})</dt><dd>${prose(p.title)}</dd>`)
        .join('\n');
      return c.html(html('Problem codes', `<h1>Problem codes</h1><dl>${items}</dl>`), 200);
    })
    .openapi(codeRoute, (c) => {
      const code = problemCode(c.req.valid('param').code);
      const kind = code ? PROBLEM_CATALOG[code] : undefined;
      if (!code || !kind) {
        const missing = view('NOT_FOUND', PROBLEM_CATALOG.NOT_FOUND as ProblemKind);
        if (wantsJson(c)) return c.json(missing, 404);
        return c.html(
          html('Unknown problem code', '<h1>Unknown problem code</h1><p><a href="/problems">All codes</a></p>'),
          404,
        );
      }
      const p = view(code, kind);
      if (wantsJson(c)) return c.json(p, 200);
      return c.html(
        html(
          `${code}: ${kind.title}`,
          `<h1><code>${code}</code> ${prose(kind.title)}</h1>
<p>HTTP ${kind.status}${kind.status === 200 ? ' (an event outcome, not an error status)' : ''}</p>
<dl><dt>What it means</dt><dd>${prose(kind.meaning)}</dd><dt>What to do</dt><dd>${prose(kind.action)}</dd></dl>
<p><a href="/problems">All problem codes</a> · <a href="/docs">API reference</a></p>`,
        ),
        200,
      );
    });
}
