// credit-grant:<grantId> — the expiry timers of one prepaid credit grant: `credits.expiring` N days (default 7)
// before it expires, then the expiry of whatever remains (a ledger entry) and `credits.expired`. A grant used up
// before either moment ends quietly. Grants without an expiry date need no workflow and end at once.
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { type RunNamesInput, tenantLabel } from './runDetails.js';
import { type TestClockInput, testClockOf } from './workflowClock.js';

const { getCreditGrant, noticeCreditGrantExpiring, expireCreditGrant, dispatchWebhookEvents } =
  wf.proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });

const DAY_MS = 86_400_000;

export interface CreditGrantWorkflowInput extends TestClockInput, RunNamesInput {
  grantId: string;
  organizationId: string;
  entityId: string;
  /** Days before expiry to send credits.expiring; default 7. */
  noticeDays?: number;
}

export interface CreditGrantWorkflowState {
  grantId: string;
  phase: 'loading' | 'waiting_for_notice' | 'waiting_for_expiry' | 'expired' | 'used_up' | 'no_expiry';
  expiresAt: string | null;
  noticeAt: string | null;
  expired: string | null;
}

export const creditGrantStateQuery = wf.defineQuery<CreditGrantWorkflowState>('state');

export async function creditGrantWorkflow(input: CreditGrantWorkflowInput): Promise<CreditGrantWorkflowState> {
  const noticeDays = input.noticeDays ?? 7;
  const state: CreditGrantWorkflowState = {
    grantId: input.grantId,
    phase: 'loading',
    expiresAt: null,
    noticeAt: null,
    expired: null,
  };
  wf.setHandler(creditGrantStateQuery, () => state);
  // A test clock's entity runs on the clock's time (workflowClock.ts); everyone else on wall time, as always.
  const clock = testClockOf(input);
  const now = () => (clock ? clock.now() : Date.now());
  const sleepUntil = async (at: number) => {
    if (clock) await clock.until(at, () => false);
    else await wf.sleep(at - Date.now());
  };
  wf.setCurrentDetails(`Credit grant ${input.grantId} of ${tenantLabel(input.names, input.entityId)}`);

  const grant = await getCreditGrant({ grantId: input.grantId });
  if (!grant?.expiresAt) {
    state.phase = 'no_expiry';
    return state;
  }
  if (grant.expiredAt) {
    state.phase = 'expired';
    return state;
  }
  const expiresAt = Date.parse(grant.expiresAt);
  const noticeAt = expiresAt - noticeDays * DAY_MS;
  state.expiresAt = grant.expiresAt;
  state.noticeAt = new Date(noticeAt).toISOString();

  wf.setCurrentDetails(
    `Credit grant ${input.grantId} of ${tenantLabel(input.names, input.entityId)}, expires ${grant.expiresAt}`,
  );
  if (now() < noticeAt) {
    state.phase = 'waiting_for_notice';
    await sleepUntil(noticeAt);
  }
  if (now() < expiresAt) {
    const notice = await noticeCreditGrantExpiring({ grantId: input.grantId, daysBefore: noticeDays });
    if (notice.webhookEventIds.length === 0) {
      state.phase = 'used_up';
      return state;
    }
    await dispatchWebhookEvents({ webhookEventIds: notice.webhookEventIds });
    state.phase = 'waiting_for_expiry';
    await sleepUntil(expiresAt);
  }
  const result = await expireCreditGrant({ grantId: input.grantId, at: new Date(expiresAt).toISOString() });
  if (result.webhookEventIds.length > 0) await dispatchWebhookEvents({ webhookEventIds: result.webhookEventIds });
  state.expired = result.expired;
  state.phase = result.expired === '0' ? 'used_up' : 'expired';
  return state;
}
