// The CredData dev split as clipguard's training script and its benchmark both read it, in one place so the two
// never disagree on which repository is which: `heldOut` (the 30% test split, never read: sha256(RepoID) mod 10
// < 3, as ../shared/creddata/README.md defines it) and `isVal` (the dev repositories held out from training for
// validation and the threshold). The files stay in /tmp; this module only reads their labels.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');
export const heldOut = (rid) => BigInt('0x' + sha(rid)) % 10n < 3n;
export const isVal = (rid) => BigInt('0x' + sha('val:' + rid)) % 5n === 0n;

/** The rebuilt corpus's files that are in the dev split and on disk. */
export function devManifest(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'files_manifest.json'), 'utf8')).filter((m) => !heldOut(m.repo) && fs.existsSync(path.join(dir, m.local)));
}

/** Every label row of the corpus's `meta/*.csv` (an object per row, by the header's names). */
export function* metaRows(dir) {
  for (const f of fs.readdirSync(path.join(dir, 'meta'))) {
    if (!f.endsWith('.csv')) continue;
    const lines = fs.readFileSync(path.join(dir, 'meta', f), 'utf8').split('\n');
    const hdr = lines[0].split(',');
    for (const l of lines.slice(1)) {
      if (!l) continue;
      const c = l.split(',');
      yield Object.fromEntries(hdr.map((h, i) => [h, c[i]]));
    }
  }
}
