// Review 5: e70b2bc ("resumePending: ... judge the stop by the shown params ... No behaviour change") DOES change
// behaviour. Before it (6338ab2) the completion was judged against `shown.params?.stopCents ?? p.stopCents`: when this
// scan reads the agent with no budget (stopCents(budget) is null: the board removed the budget since the release),
// `null ?? p.stopCents` fell back to the threshold saved at the release, and --apply skipped ("at or over the stop
// threshold") a completion the dry-run showed planned (overStop: level 'none'). Since e70b2bc `overStopLive(agent,
// shown.params)` sees the null and completes it, as the dry-run said. The change is a fix (plan = apply), not a
// refactor: this test pins it (it passes on e70b2bc and later, fails on 6338ab2..e70b2bc^ with
// dry ['planned'], applied ['skipped']). Not a defect of the current code; the commit message is wrong.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan.js';
import type { Finding } from '../../src/types.js';
import { actingConfig, faultWorld, halfDoneWorld } from '../helpers/fault-world.js';

const { serve } = faultWorld();
const pending = (fs: Finding[]) => fs.flatMap((f) => f.actions.filter((a) => a.type === 'release-checkout' && /earlier/.test(f.title)).map((a) => a.status));

describe('review5: a half-done re-checkout whose agent had a budget at the release and has none now', () => {
  it('the dry-run and --apply agree (planned, then applied): the stop saved at the release no longer counts', async () => {
    const { w, state, key } = halfDoneWorld({ agent: { budgetMonthlyCents: 0, spentMonthlyCents: 1500 } });
    const file = join(state, 'ledger.json');
    const l = JSON.parse(readFileSync(file, 'utf8'));
    l.entries[key].resume.params.stopCents = 1000; // the threshold of the budget the agent had at the release
    writeFileSync(file, JSON.stringify(l));
    const { proxy } = await serve(w);
    const dry = pending((await runScan(actingConfig(proxy.url, { stateDir: state, apply: false }), { only: ['ops'] })).report.findings);
    const applied = pending((await runScan(actingConfig(proxy.url, { stateDir: state }), { only: ['ops'] })).report.findings);
    expect({ dry, applied }).toEqual({ dry: ['planned'], applied: ['applied'] });
  });
});
