import { afterEach, describe, expect, it } from 'vitest';
import type { Ack, AuditEntry } from '@fedfuse/protocol';
import { FlEvent } from '@fedfuse/protocol';
import { OpsListener } from '@fedfuse/coordinator/testing/ops-listener';
import type { TestSite } from '@fedfuse/coordinator/testing/test-site';
import type { CoordinatorProcess } from './coordinator-process.ts';
import { OPERATOR_TOKEN, startCoordinatorProcess } from './coordinator-process.ts';
import { approvedSite } from './stranger-tools.ts';

/** The value of one Prometheus sample, e.g. `fedfuse_updates_rejected`. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('an enrolled site flooding its socket (W6)', () => {
  const sites: TestSite[] = [];
  let coordinator: CoordinatorProcess | undefined;
  let ops: OpsListener | undefined;
  afterEach(async () => {
    for (const site of sites.splice(0)) site.socket?.disconnect();
    ops?.socket.disconnect();
    await coordinator?.stop();
  });

  it('1000 malformed round:submit: bounded audit, rejections and broadcasts, then rate_limited and dropped; an honest site carries on', async () => {
    const c = (coordinator = await startCoordinatorProcess({
      env: { FEDFUSE_SITE_MESSAGES_PER_MINUTE: '50', FEDFUSE_REFUSAL_FOLD_MS: '300' },
    }));
    const flooder = await approvedSite(c, 'St Flood', sites);
    const honest = await approvedSite(c, 'St Honest', sites);
    ops = await OpsListener.connect(c.url, OPERATOR_TOKEN);
    const broadcastsBefore = ops.received.length;

    // Fold: 30 malformed submissions, each answered, cost one entry now and one counted entry at 300 ms.
    for (let i = 0; i < 30; i++)
      expect(await flooder.emit(FlEvent.roundSubmit, { malformed: i })).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload' },
      });
    const rejected = async () =>
      (await c.api<AuditEntry[]>('GET', '/api/audit?action=round.update_rejected')).body;
    await expect
      .poll(async () => (await rejected()).map((e) => [e.details.count, e.details.folded]))
      .toEqual([
        [29, true],
        [1, false],
      ]);

    // Throttle, then drop: 1000 more at once pass the 50-a-minute budget.
    const acks: Ack[] = [];
    let disconnected = false;
    flooder.socket!.on('disconnect', () => (disconnected = true));
    for (let i = 0; i < 1000; i++)
      flooder.socket!.emit(FlEvent.roundSubmit, { malformed: i }, (ack: Ack) => acks.push(ack));
    await expect.poll(() => disconnected, { timeout: 15_000 }).toBe(true);
    expect(acks.filter((a) => a.ok)).toEqual([]);
    // Refused until its minute is over (messages queued at the drop are dropped with the connection).
    expect(await flooder.handshake()).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    // The honest site's messages still pass.
    expect(await honest.emit(FlEvent.statusResync, { runId: null, roundId: null })).toMatchObject({
      ok: true,
    });

    const audit = (await c.api<AuditEntry[]>('GET', `/api/audit?limit=500`)).body;
    expect(audit.length).toBeLessThanOrEqual(20);
    const rejections = await c.api<unknown[]>('GET', `/api/sites/${flooder.siteId}/rejections`);
    expect(rejections.body.length).toBeLessThanOrEqual(5);
    const metrics = await c.api<string>('GET', '/metrics');
    // The metric still counts every refusal, folded or not.
    expect(sample(metrics.body, 'fedfuse_updates_rejected')).toBeGreaterThanOrEqual(30);
    expect(ops.received.length - broadcastsBefore).toBeLessThanOrEqual(20);
    expect(audit.some((e) => e.action === 'site.rate_limited' && e.subject === flooder.siteId)).toBe(true);
  });
});
