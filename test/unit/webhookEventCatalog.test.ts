// The webhook event catalog (activities/webhooks/eventCatalog.ts) is the one list of event types: every example is a
// valid payload of its type (no undocumented field, money to the currency's minor units), every type has a JSON Schema,
// and the README's table is exactly the catalog's list.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  nearestWebhookEventType,
  WEBHOOK_EVENT_CATALOG,
  WEBHOOK_EVENT_TYPES,
  webhookEventEntry,
} from '../../activities/webhooks/eventCatalog.js';
import { projectRoot } from '../../scripts/lib/prismaCli.js';
import { payloadProblems } from '../support/webhookPayloads.js';

const START = '<!-- webhook-event-types:start -->';
const END = '<!-- webhook-event-types:end -->';

/** The README's table of event types, as the catalog says it should read. */
function expectedTable(): string {
  const rows = WEBHOOK_EVENT_TYPES.map((type) => [`\`${type}\``, webhookEventEntry(type).description]);
  const width = [Math.max(4, ...rows.map((r) => r[0]!.length)), Math.max(4, ...rows.map((r) => r[1]!.length))];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  return [line(['type', 'when']), `| ${width.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

describe('webhook event catalog', () => {
  it('lists the types of every area, each named <area>.<what>', () => {
    expect(WEBHOOK_EVENT_TYPES).toHaveLength(new Set(WEBHOOK_EVENT_TYPES).size);
    for (const type of WEBHOOK_EVENT_TYPES) expect(type).toMatch(/^[a-z][a-z_]*\.[a-z_]+$/);
    const areas = new Set(WEBHOOK_EVENT_TYPES.map((t) => t.split('.')[0]));
    expect([...areas].sort()).toEqual([
      'billing',
      'credit_note',
      'credits',
      'entity',
      'invoice',
      'payment',
      'payout',
      'refund',
      'subscription',
      'user',
      'webhook',
      'work_payment',
    ]);
    expect(WEBHOOK_EVENT_TYPES.filter((t) => t.startsWith('subscription.')).sort()).toEqual([
      'subscription.cancel_scheduled',
      'subscription.canceled',
      'subscription.created',
      'subscription.past_due',
      'subscription.paused',
      'subscription.plan_changed',
      'subscription.reactivated',
      'subscription.resumed',
      'subscription.seats_changed',
    ]);
  });

  it.each(WEBHOOK_EVENT_TYPES)('%s: the example is a valid payload and the schema converts to JSON Schema', (type) => {
    const entry = WEBHOOK_EVENT_CATALOG[type];
    expect(payloadProblems(type, entry.example)).toEqual([]);
    // Each payload schema is named (a component of the OpenAPI document): its JSON Schema is a $ref into $defs.
    const json = z.toJSONSchema(entry.schema, { io: 'input' }) as {
      $ref: string;
      $defs: Record<string, { type: string; properties: object }>;
    };
    const named = json.$defs[json.$ref.replace('#/$defs/', '')];
    expect(named?.type).toBe('object');
    expect(Object.keys(named?.properties ?? {}).length).toBeGreaterThan(0);
  });

  it('finds a payload that breaks its schema, carries an undocumented field or money short of its minor units', () => {
    const good = WEBHOOK_EVENT_CATALOG['invoice.paid'].example;
    expect(payloadProblems('invoice.paid', { ...good, total: '137.1' })).toEqual([
      'invoice.paid.total: "137.1" has fewer than 2 decimals (USD)',
    ]);
    expect(payloadProblems('invoice.paid', { ...good, extra: 1 })).toEqual([
      'invoice.paid.extra: not documented in the catalog',
    ]);
    expect(payloadProblems('invoice.paid', { ...good, total: 137.1 })).toHaveLength(1);
    expect(payloadProblems('invoice.payed', good)).toEqual(['invoice.payed is not in the catalog']);
    expect(
      payloadProblems('invoice.paid', { ...good, currency: 'JPY', total: '137', amountDue: '137', amountPaid: '137' }),
    ).toEqual([]);
  });

  it('suggests the nearest known type for a misspelt one', () => {
    expect(nearestWebhookEventType('invoice.payed')).toBe('invoice.paid');
    expect(nearestWebhookEventType('subscription.cancelled')).toBe('subscription.canceled');
    expect(nearestWebhookEventType('something.else')).toBeNull();
  });

  it("README's table of event types is the catalog's", () => {
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start, `README.md has ${START}`).toBeGreaterThan(-1);
    const table = readme.slice(start + START.length, end).trim();
    expect(table, 'README.md table of webhook event types (regenerate it from the catalog)').toBe(expectedTable());
  });
});
