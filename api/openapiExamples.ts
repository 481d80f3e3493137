// The example of a JSON body in the OpenAPI document. A body declared with a hand-written example keeps it; any other
// gets one built from its schema: each field's own `example` (`.openapi({ example })`), else the first enum value,
// else a value of its format (uuid, date-time, email, url), else a plain placeholder. Either way the example is
// parsed with the body's schema when the route is declared, and a body whose example does not parse (a pattern,
// a refinement the builder cannot know) stops the API from starting until the route gives one that does.
import { getOpenApiMetadata } from '@asteasolutions/zod-to-openapi';
import type { z } from '@hono/zod-openapi';

type Def = Record<string, unknown> & { type: string };
const defOf = (schema: unknown) => (schema as { _zod: { def: Def } })._zod.def;

const EXAMPLE_ID = '0193b0a4-7c5e-7d1e-9f3a-2b8c4d5e6f70';
const EXAMPLE_TIME = '2027-03-01T00:00:00.000Z';

/**
 * What a plain string field holds, guessed from its name, so a built example reads like the API's answers: money
 * fields hold "12.50", a currency "USD", times an ISO instant. Anything else shows its name ("Example label").
 */
const FIELD_HINTS: Array<[RegExp, string]> = [
  [/currency$/i, 'USD'],
  [
    /(amount|price|total|balance|credits|fee|limit|threshold|drawn|billedLater|subtotal|due|paid|refunded|remaining|spend|cost|tax|balanceAfter)$/i,
    '12.50',
  ],
  [/(At|Start|End|Time|from|to)$/, EXAMPLE_TIME],
  [/^(url|endpointUrl)$/i, 'https://marketplace.example/webhooks/billing'],
  [/email$/i, 'billing@example.com'],
  [/^name$/, 'Acme US'],
  [/eventTypes?$/, 'project.posted'],
  [/idempotencyKey$/i, 'order-4711'],
  [/secret$/i, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  [/(timeZone)$/, 'America/New_York'],
];

const placeholder = (key: string | undefined) => {
  if (!key) return 'example';
  const hint = FIELD_HINTS.find(([pattern]) => pattern.test(key));
  return hint ? hint[1] : `Example ${key}`;
};

const STRING_FORMATS: Record<string, unknown> = {
  uuid: EXAMPLE_ID,
  guid: EXAMPLE_ID,
  datetime: EXAMPLE_TIME,
  date: '2027-03-01',
  time: '12:00:00',
  email: 'billing@example.com',
  url: 'https://example.com/hooks',
  duration: 'P1D',
};

/** What the schema's own OpenAPI metadata gives as its example, if anything. */
function declaredExample(schema: z.ZodType): { value: unknown } | undefined {
  const meta = getOpenApiMetadata(schema) as { example?: unknown; examples?: unknown[]; enum?: unknown[] };
  if (meta.example !== undefined) return { value: meta.example };
  if (Array.isArray(meta.examples) && meta.examples.length > 0) return { value: meta.examples[0] };
  if (Array.isArray(meta.enum) && meta.enum.length > 0) return { value: meta.enum[0] };
  return undefined;
}

const isDeprecated = (schema: z.ZodType) =>
  (getOpenApiMetadata(schema) as { deprecated?: boolean }).deprecated === true;

/** An example value for the schema, built as the module comment says. */
export function exampleFor(schema: z.ZodType, key?: string): unknown {
  const declared = declaredExample(schema);
  if (declared) return declared.value;
  const def = defOf(schema);
  const inner = (s: unknown) => exampleFor(s as z.ZodType, key);
  switch (def.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        // Deprecated fields are what old clients send; a new integrator copies the example, so leave them out.
        if (isDeprecated(field)) continue;
        out[name] = exampleFor(field, name);
      }
      return out;
    }
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return inner(def.innerType);
    case 'default':
    case 'prefault': {
      const value = inner(def.innerType);
      return value === undefined ? def.defaultValue : value;
    }
    case 'pipe': {
      const input = defOf(def.in);
      return input.type === 'transform' ? inner(def.out) : inner(def.in);
    }
    case 'lazy':
      return inner((def.getter as () => unknown)());
    case 'array':
      return [inner(def.element)];
    case 'tuple':
      return (def.items as unknown[]).map(inner);
    case 'record':
      return {};
    case 'union':
      return inner((def.options as unknown[])[0]);
    case 'intersection':
      return { ...(inner(def.left) as object), ...(inner(def.right) as object) };
    case 'enum':
      return Object.values(def.entries as Record<string, unknown>)[0];
    case 'literal':
      return (def.values as unknown[])[0];
    case 'string': {
      const format = (schema as unknown as { format?: string | null }).format;
      if (format && Object.hasOwn(STRING_FORMATS, format)) return STRING_FORMATS[format];
      return placeholder(key);
    }
    case 'number':
    case 'int':
      return 1;
    case 'bigint':
      return 1n;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'date':
      return EXAMPLE_TIME;
    default:
      return {}; // any, unknown: free-form JSON
  }
}

/**
 * The example to show for a body: the one given, or the built one; refused (thrown, at declaration) when it does not
 * parse with the body's own schema.
 */
export function checkedExample(schema: z.ZodType, given: unknown, where: string): unknown {
  const example = given === undefined ? exampleFor(schema) : given;
  const parsed = schema.safeParse(example);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(
      `${where}: ${given === undefined ? 'the example built from its schema' : 'its example'} does not match ` +
        `the schema (${why}); give the body an example that does (json(), jsonBody(), or .openapi({ example }))`,
    );
  }
  return example;
}
