// What two builds read from the same commit range, compared record by record: commits (sha, author, date,
// message), every added line with its number, the files read whole from their blobs, the skipped ones.
// The findings comparison of bench/history.mjs says nothing on a history without secrets; this one does.
//
//   npm run build && node bench/history-compare.mjs <other checkout with dist/ built> <repo> <range>
//
// Both builds' readers hold the whole range in memory here (the streamed one collected by readCommitRange),
// so pick a range the build before streaming can read (nautilus: its last ~10,000 commits, ~4 GB).
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [before, repo, range] = process.argv.slice(2);
if (!before || !repo || !range) {
  console.error('usage: node bench/history-compare.mjs <other build> <repo> <range>');
  process.exit(2);
}
const now = await import(new URL('../dist/sources/git.js', import.meta.url));
const then = await import(pathToFileURL(join(before, 'dist/sources/git.js')).href);
const a = await then.readCommitRange(repo, range);
const b = await now.readCommitRange(repo, range);
const key = (x) => JSON.stringify(x);
const sorted = (xs) => xs.map(key).sort();
const same = (x, y) => key(x) === key(y);
const lines = (r) => r.files.reduce((n, f) => n + f.lines.length, 0);
const rows = [
  ['commits', a.commits.length, b.commits.length, same(a.commits, b.commits)],
  ['files with added lines', a.files.length, b.files.length, same(a.files, b.files)],
  ['added lines', lines(a), lines(b), same(a.files, b.files)],
  ['files read whole (blobs)', a.blobs.length, b.blobs.length, same(sorted(a.blobs), sorted(b.blobs))],
  ['skipped (symlinks, submodules)', a.skipped.length, b.skipped.length, same(sorted(a.skipped), sorted(b.skipped))],
];
console.table(rows.map(([what, x, y, eq]) => ({ what, before: x, now: y, identical: eq })));
if (b.unread?.length) console.log('unread in the stream:', b.unread);
process.exit(rows.every((r) => r[3]) ? 0 : 1);
