// Credit packages an organization sells (credits, price, currency, validity): create, read, list, update and retire.
// Retiring (soft delete) keeps the grants already bought from a package intact.
import { assertCurrency } from '../../domain/currencies.js';
import { Money, toDecimal } from '../../domain/money.js';
import { type Actor, recordAudit } from '../auditLog.js';
import type { Db } from '../db.js';
import { type Page, type PageRequest, pageArgs, toPage } from '../pagination.js';
import { ResourceNotFoundError, UnprocessableError } from '../resourceErrors.js';

export interface CreditPackageInput {
  name: string;
  credits: string;
  price: string;
  currency: string;
  validityDays: number;
  active?: boolean;
}

export interface CreditPackageView {
  id: string;
  name: string;
  credits: string;
  price: string;
  currency: string;
  validityDays: number;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

type Row = {
  id: string;
  name: string;
  credits: { toString(): string };
  price: { toString(): string };
  currency: string;
  validityDays: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export function creditPackageView(p: Row): CreditPackageView {
  return {
    id: p.id,
    name: p.name,
    credits: Money.of(p.credits.toString(), p.currency).toString(),
    price: Money.of(p.price.toString(), p.currency).toString(),
    currency: p.currency,
    validityDays: p.validityDays,
    active: p.active,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

function checkAmount(value: string, path: string, positive: boolean): string {
  let d: ReturnType<typeof toDecimal>;
  try {
    d = toDecimal(value);
  } catch {
    throw new UnprocessableError('INVALID_AMOUNT', `${path} must be a decimal string`, path);
  }
  if (d.isNegative() || (positive && d.isZero()) || d.decimalPlaces() > 6 || d.abs().greaterThanOrEqualTo('1e14')) {
    throw new UnprocessableError(
      'INVALID_AMOUNT',
      `${path} must be ${positive ? '> 0' : '>= 0'}, at most 6 decimals`,
      path,
    );
  }
  return d.toFixed();
}

function checkCurrency(currency: string): string {
  try {
    return assertCurrency(currency);
  } catch {
    throw new UnprocessableError('UNKNOWN_CURRENCY', `unknown currency ${currency}`, 'currency');
  }
}

export async function createCreditPackage(db: Db, actor: Actor, organizationId: string, input: CreditPackageInput) {
  const data = {
    organizationId,
    name: input.name,
    credits: checkAmount(input.credits, 'credits', true),
    price: checkAmount(input.price, 'price', false),
    currency: checkCurrency(input.currency),
    validityDays: input.validityDays,
    active: input.active ?? true,
  };
  return db.$transaction(async (tx) => {
    const row = await tx.creditPackage.create({ data });
    const view = creditPackageView(row);
    await recordAudit(tx, actor, {
      organizationId,
      action: 'credit_package.create',
      targetType: 'credit_package',
      targetId: row.id,
      after: view,
    });
    return view;
  });
}

export async function getCreditPackage(db: Db, organizationId: string, id: string) {
  const row = await db.creditPackage.findFirst({ where: { id, organizationId, deletedAt: null } });
  if (!row) throw new ResourceNotFoundError('credit package');
  return creditPackageView(row);
}

export async function listCreditPackages(
  db: Db,
  organizationId: string,
  filter: { active?: boolean | undefined },
  page: PageRequest,
): Promise<Page<CreditPackageView>> {
  const args = pageArgs(page);
  const rows = await db.creditPackage.findMany({
    ...args,
    where: {
      ...args.where,
      organizationId,
      deletedAt: null,
      ...(filter.active === undefined ? {} : { active: filter.active }),
    },
  });
  const p = toPage(rows, page);
  return { items: p.items.map(creditPackageView), hasMore: p.hasMore };
}

export async function updateCreditPackage(
  db: Db,
  actor: Actor,
  organizationId: string,
  id: string,
  patch: Partial<CreditPackageInput>,
) {
  const data = {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.credits === undefined ? {} : { credits: checkAmount(patch.credits, 'credits', true) }),
    ...(patch.price === undefined ? {} : { price: checkAmount(patch.price, 'price', false) }),
    ...(patch.currency === undefined ? {} : { currency: checkCurrency(patch.currency) }),
    ...(patch.validityDays === undefined ? {} : { validityDays: patch.validityDays }),
    ...(patch.active === undefined ? {} : { active: patch.active }),
  };
  return db.$transaction(async (tx) => {
    const existing = await tx.creditPackage.findFirst({ where: { id, organizationId, deletedAt: null } });
    if (!existing) throw new ResourceNotFoundError('credit package');
    const view = creditPackageView(await tx.creditPackage.update({ where: { id }, data }));
    await recordAudit(tx, actor, {
      organizationId,
      action: 'credit_package.update',
      targetType: 'credit_package',
      targetId: id,
      before: creditPackageView(existing),
      after: view,
    });
    return view;
  });
}

export async function deleteCreditPackage(db: Db, actor: Actor, organizationId: string, id: string): Promise<void> {
  await db.$transaction(async (tx) => {
    // One statement decides which of two concurrent deletes retires the package (the other is a 404).
    const result = await tx.creditPackage.updateMany({
      where: { id, organizationId, deletedAt: null },
      data: { deletedAt: new Date(), active: false },
    });
    if (result.count === 0) throw new ResourceNotFoundError('credit package');
    const retired = await tx.creditPackage.findUniqueOrThrow({ where: { id } });
    await recordAudit(tx, actor, {
      organizationId,
      action: 'credit_package.delete',
      targetType: 'credit_package',
      targetId: id,
      after: { ...creditPackageView(retired), deletedAt: retired.deletedAt },
    });
  });
}
