// Demo data: one marketplace organization with two entities in different currencies and time zones, teams, users
// in both entities with different credit limits, a tiered price book (with a GBP override for the UK entity), a
// credit package, monthly and annual seat plans and an admin API key.
//
// Idempotent: an existing demo organization (domain demo.example) is left alone. The key is printed once and,
// for `npm start`, kept in .data/demo-api-key so later starts can print it again. DEMO_API_KEY fixes the key.
//
//   npm run db:seed
import { pathToFileURL } from 'node:url';
import { apiKeyDisplayPrefix, generateApiKey, hashApiKey } from '../activities/apiKeys.js';
import type { Db } from '../activities/db.js';

export const DEMO_ORG_DOMAIN = 'demo.example';

export interface SeedResult {
  created: boolean;
  organizationId: string;
  entityIds: string[];
  /** Only when this call created the organization. */
  apiKey?: string;
}

const graduatedHireTiers = [
  { upTo: '10', unitPrice: '25.00' },
  { upTo: '50', unitPrice: '20.00' },
  { upTo: null, unitPrice: '15.00' },
];
const volumeMessageTiers = [
  { upTo: '1000', unitPrice: '0.010000' },
  { upTo: '10000', unitPrice: '0.008000' },
  { upTo: null, unitPrice: '0.005000' },
];

export async function seedDemo(db: Db, opts: { apiKey?: string } = {}): Promise<SeedResult> {
  const apiKey = opts.apiKey ?? generateApiKey();
  return db.$transaction(
    async (tx) => {
      // Two launchers seeding at once (two `npm start`s on one database) must not create two demo organizations:
      // the check and the inserts happen under one transaction-scoped advisory lock.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('seed-demo-organization'))`;
      const existing = await tx.organization.findFirst({
        where: { domain: DEMO_ORG_DOMAIN, deletedAt: null },
        include: { entities: { orderBy: { createdAt: 'asc' } } },
      });
      if (existing)
        return { created: false, organizationId: existing.id, entityIds: existing.entities.map((e) => e.id) };

      const org = await tx.organization.create({
        data: { name: 'Demo Marketplace', billingEmail: 'billing@demo.example', domain: DEMO_ORG_DOMAIN },
      });
      const us = await tx.entity.create({
        data: {
          organizationId: org.id,
          name: 'Acme US',
          currency: 'USD',
          timeZone: 'America/New_York',
          billingAnchorDay: 1,
          overagePolicy: 'bill',
          lowBalanceThreshold: '100.00',
        },
      });
      const uk = await tx.entity.create({
        data: {
          organizationId: org.id,
          name: 'Acme UK',
          currency: 'GBP',
          timeZone: 'Europe/London',
          billingAnchorDay: 31,
          overagePolicy: 'reject',
          lowBalanceThreshold: '50.00',
        },
      });

      const usEngineering = await tx.team.create({ data: { entityId: us.id, name: 'Engineering' } });
      const usRecruiting = await tx.team.create({ data: { entityId: us.id, name: 'Recruiting' } });
      const ukOperations = await tx.team.create({ data: { entityId: uk.id, name: 'Operations' } });

      // The demo organization's own users: its record of each (email, name) on the identity memberships name.
      const user = async (email: string, name: string) => {
        const created = await tx.user.create({ data: {} });
        await tx.organizationUser.create({ data: { organizationId: org.id, userId: created.id, email, name } });
        return created;
      };
      const alice = await user('alice@demo.example', 'Alice Moreau');
      const bob = await user('bob@demo.example', 'Bob Okafor');
      const carol = await user('carol@demo.example', 'Carol Lindqvist');
      await tx.entityUser.createMany({
        data: [
          // Alice works for both entities, with a different limit in each.
          {
            entityId: us.id,
            userId: alice.id,
            teamId: usEngineering.id,
            role: 'admin',
            creditLimit: '500.00',
            seatAssigned: true,
          },
          {
            entityId: uk.id,
            userId: alice.id,
            teamId: ukOperations.id,
            role: 'member',
            creditLimit: '200.00',
            seatAssigned: true,
          },
          {
            entityId: us.id,
            userId: bob.id,
            teamId: usRecruiting.id,
            role: 'member',
            creditLimit: '100.00',
            seatAssigned: true,
          },
          // No limit: Carol may spend whatever the entity's credits and overage policy allow.
          {
            entityId: uk.id,
            userId: carol.id,
            teamId: ukOperations.id,
            role: 'owner',
            creditLimit: null,
            seatAssigned: false,
          },
        ],
      });

      const orgBook = await tx.priceBook.create({
        data: { organizationId: org.id, name: 'Marketplace standard (USD)', currency: 'USD' },
      });
      await tx.eventPrice.createMany({
        data: [
          { priceBookId: orgBook.id, eventType: 'project_posted', model: 'flat', currency: 'USD', unitPrice: '2.00' },
          {
            priceBookId: orgBook.id,
            eventType: 'freelancer_hired',
            model: 'graduated',
            currency: 'USD',
            tiers: graduatedHireTiers,
          },
          {
            priceBookId: orgBook.id,
            eventType: 'message_sent',
            model: 'volume',
            currency: 'USD',
            tiers: volumeMessageTiers,
          },
        ],
      });
      const ukBook = await tx.priceBook.create({
        data: { organizationId: org.id, entityId: uk.id, name: 'Acme UK override (GBP)', currency: 'GBP' },
      });
      await tx.eventPrice.createMany({
        data: [
          { priceBookId: ukBook.id, eventType: 'project_posted', model: 'flat', currency: 'GBP', unitPrice: '1.60' },
          {
            priceBookId: ukBook.id,
            eventType: 'freelancer_hired',
            model: 'graduated',
            currency: 'GBP',
            tiers: [
              { upTo: '10', unitPrice: '20.00' },
              { upTo: null, unitPrice: '16.00', flatFee: '0' },
            ],
          },
          {
            priceBookId: ukBook.id,
            eventType: 'message_sent',
            model: 'volume',
            currency: 'GBP',
            tiers: volumeMessageTiers,
          },
        ],
      });

      await tx.creditPackage.createMany({
        data: [
          {
            organizationId: org.id,
            name: 'Starter: 1,000 credits',
            credits: '1000.00',
            price: '900.00',
            currency: 'USD',
            validityDays: 365,
          },
          {
            organizationId: org.id,
            name: 'Starter UK: 1,000 credits',
            credits: '1000.00',
            price: '900.00',
            currency: 'GBP',
            validityDays: 365,
          },
        ],
      });
      await tx.seatPlan.createMany({
        data: [
          {
            organizationId: org.id,
            name: 'Team seat (monthly)',
            interval: 'month',
            pricePerSeat: '15.00',
            currency: 'USD',
          },
          {
            organizationId: org.id,
            name: 'Team seat (annual)',
            interval: 'year',
            pricePerSeat: '150.00',
            currency: 'USD',
          },
        ],
      });

      await tx.apiKey.create({
        data: {
          organizationId: org.id,
          name: 'Demo admin key',
          prefix: apiKeyDisplayPrefix(apiKey),
          hash: hashApiKey(apiKey),
          scopes: ['admin'],
        },
      });
      return { created: true, organizationId: org.id, entityIds: [us.id, uk.id], apiKey };
    },
    { timeout: 30_000 },
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { withDatabase } = await import('../scripts/lib/devDatabase.js');
  const { createDb } = await import('../activities/db.js');
  await withDatabase(async (url) => {
    const db = createDb(url, 2);
    try {
      const result = await seedDemo(db, { apiKey: process.env.DEMO_API_KEY });
      if (!result.created) console.log(`Demo organization already present (${result.organizationId}); nothing to do.`);
      else
        console.log(
          `Seeded demo organization ${result.organizationId}\nDemo admin API key (shown once): ${result.apiKey}`,
        );
    } finally {
      await db.$disconnect();
    }
  });
}
