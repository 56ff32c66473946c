/**
 * Rollout stages (schemas/clickhouse/007_rollout.sql): how far a service's profiling has been rolled out, and
 * whether a failed promotion gate froze it there. Read straight from ClickHouse (FINAL) on every use: stages
 * change rarely and are read only by the gates and KPI endpoints, so no cache has to be kept coherent.
 */
import type { Store } from '../../lib/store/store.ts';

export const STAGES = ['lab', 'canary', 'segment', 'core', 'deep'] as const;
export type Stage = (typeof STAGES)[number];
export const FIRST_STAGE: Stage = 'lab';

export interface RolloutState {
  stage: Stage;
  frozen: boolean;
  frozenReason: string;
  /** The service's budget.sampleOneIn before a freeze lowered it (undefined: it had none). */
  sampleOneInBefore?: number;
  updatedAt?: string;
}

export function isStage(v: unknown): v is Stage {
  return (STAGES as readonly unknown[]).includes(v);
}

export class RolloutStore {
  constructor(private readonly store: Store) {}

  async get(tenant: string, service: string): Promise<RolloutState> {
    return (await this.list(tenant, service)).get(service) ?? { stage: FIRST_STAGE, frozen: false, frozenReason: '' };
  }

  /** Every service's state in a tenant (or one service's). */
  async list(tenant: string, service?: string): Promise<Map<string, RolloutState>> {
    const rows = await this.store.select<{ service: string; stage: string; frozen: number; frozen_reason: string; sample_one_in_before: number | null; updated_at: string }>(
      `SELECT service, stage, frozen, frozen_reason, sample_one_in_before, toString(updated_at) AS updated_at FROM rollout_stages FINAL
       WHERE tenant = {tenant:String}${service === undefined ? '' : ' AND service = {service:String}'}`,
      service === undefined ? { tenant } : { tenant, service },
    );
    return new Map(
      rows.map((r) => [
        r.service,
        {
          stage: isStage(r.stage) ? r.stage : FIRST_STAGE,
          frozen: Number(r.frozen) === 1,
          frozenReason: r.frozen_reason,
          sampleOneInBefore: r.sample_one_in_before === null ? undefined : Number(r.sample_one_in_before),
          updatedAt: r.updated_at,
        },
      ]),
    );
  }

  async put(tenant: string, service: string, state: RolloutState): Promise<RolloutState> {
    const now = Date.now();
    await this.store.insertRows('rollout_stages', [
      {
        tenant,
        service,
        stage: state.stage,
        frozen: state.frozen ? 1 : 0,
        frozen_reason: state.frozenReason,
        sample_one_in_before: state.sampleOneInBefore ?? null,
        updated_at: now,
      },
    ]);
    return { ...state, updatedAt: new Date(now).toISOString() };
  }
}
