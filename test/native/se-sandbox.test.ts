// SE mode's file sandbox from the inside: the sandbox program's probes (.. out
// of a mapping, by path and by openat; /etc/passwd; symlinks inside a mapping
// that point out of it; /proc; creating in a read-only mapping) each get the
// errno Linux gives in a chroot or on a read-only mount, and nothing of the
// host outside the run folder changes. The host tree is laid out so that
// every escape would land on a real file: root/x/map/../../etc/passwd is
// root/etc/passwd on the host.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, readlink, lstat, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { num } from '../support/experiment-run.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';
import { FLAVOURS, guestArgv0, runSeFile, SE_BUILD, seWorkspace, writeExperiment, type Flavour, type SeRun } from '../support/se.js';

const SECRET = 'SECRET: a host file no SE program may read\n';
const MAP = '/data/map'; // guest path of root/x/map, writable
const RO = '/ro'; // guest path of ro/, read-only

// SYMLINK arguments: each a link inside the mapping whose target, followed on the host, is outside it.
const LINKS = {
  absolute: `${MAP}/abs-link`, // -> /etc/passwd (the host's)
  relative: `${MAP}/rel-link`, // -> ../../etc/passwd (root/etc/passwd on the host)
  hostPath: `${MAP}/host-path-link`, // -> <workspace>/root/etc/passwd
  throughDirectory: `${MAP}/dir-link/etc/passwd`, // dir-link -> ../.. (root/ on the host)
};
type LinkKind = keyof typeof LINKS;

interface Snapshot {
  [path: string]: string;
}

/** Every entry under `dir` but `skip`, with its type, mode, size, mtime and content (or link target). */
async function snapshot(dir: string, skip: string): Promise<Snapshot> {
  const out: Snapshot = {};
  async function walk(path: string): Promise<void> {
    for (const name of await readdir(path)) {
      const full = join(path, name);
      if (full === skip) continue;
      const st = await lstat(full);
      const rel = relative(dir, full);
      const what = st.isSymbolicLink()
        ? `link -> ${await readlink(full)}`
        : st.isDirectory()
          ? 'dir'
          : `file ${createHash('sha256').update(await readFile(full)).digest('hex')}`;
      out[rel] = `${what} mode=${st.mode.toString(8)} size=${st.isDirectory() ? '-' : st.size} mtime=${st.mtimeMs} ino=${st.ino}`;
      if (st.isDirectory()) await walk(full);
    }
  }
  await walk(dir);
  return out;
}

let se: SeRun;
let before: Snapshot;
let after: Snapshot;
let outEntries: string[];
interface Point {
  flavour: Flavour;
  kind: LinkKind | 'stdio-files';
  index: number;
}
let points: Point[] = [];

function row(flavour: Flavour, kind: Point['kind']) {
  return se.row(points.find((p) => p.flavour === flavour && p.kind === kind)!.index);
}

describe.skipIf(!HAS_KVM)('SE mode: the file sandbox', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    const dir = await seWorkspace();
    await mkdir(join(dir, 'root/etc'), { recursive: true });
    await mkdir(join(dir, 'root/x/map/sub'), { recursive: true });
    await mkdir(join(dir, 'ro/inner'), { recursive: true });
    await writeFile(join(dir, 'root/etc/passwd'), SECRET);
    await writeFile(join(dir, 'root/x/map/inside.txt'), 'inside the mapping\n');
    await writeFile(join(dir, 'ro/keep.txt'), 'read-only\n');
    await symlink('/etc/passwd', join(dir, 'root/x/map/abs-link'));
    await symlink('../../etc/passwd', join(dir, 'root/x/map/rel-link'));
    await symlink(join(dir, 'root/etc/passwd'), join(dir, 'root/x/map/host-path-link'));
    await symlink('../..', join(dir, 'root/x/map/dir-link'));
    await symlink(SE_BUILD, join(dir, 'build'));
    // The host paths are real files: an escape would read them.
    expect(await readFile(join(dir, 'root/x/map/rel-link'), 'utf8')).toBe(SECRET);
    expect(await readFile(join(dir, 'root/x/map/dir-link/etc/passwd'), 'utf8')).toBe(SECRET);

    const kinds: Point['kind'][] = [...(Object.keys(LINKS) as LinkKind[]), 'stdio-files'];
    points = FLAVOURS.flatMap((flavour) => kinds.map((kind) => ({ flavour, kind }))).map((p, index) => ({ ...p, index }));
    const experiment = {
      name: 'se-sandbox',
      guest: {
        binary: `build/sandbox.${FLAVOURS[0]}`,
        files: { [MAP]: { host: 'root/x/map', writable: true }, [RO]: 'ro' },
      },
      sweep: {
        zip: [
          {
            'guest.binary': points.map((p) => `build/${p.kind === 'stdio-files' ? 'stdio-files' : 'sandbox'}.${p.flavour}`),
            // stdio-files: input through an outward link, output into the read-only mapping, and a listing
            // through dir-link (../.., root/ on the host), which in the guest stops at the mapping's root.
            'guest.argv': points.map((p) => (p.kind === 'stdio-files' ? [LINKS.relative, RO, `${MAP}/dir-link`] : [MAP, LINKS[p.kind], RO])),
          },
        ],
      },
    };
    // The experiment file is written first, so that the snapshot holds it as it was.
    await writeExperiment(dir, experiment);
    before = await snapshot(dir, join(dir, 'out'));
    se = await runSeFile(dir, experiment.name);
    after = await snapshot(dir, join(dir, 'out'));
    outEntries = (await readdir(join(dir, 'out'))).sort();
  }, KVM_TEST_TIMEOUT_MS);

  it('runs every probe', () => {
    expect(se.table.rows).toHaveLength(points.length);
  });

  describe.each(FLAVOURS)('%s', (flavour) => {
    it.each(Object.keys(LINKS) as LinkKind[])('each probe gets the errno Linux would give, with the %s link', async (kind) => {
      const r = row(flavour, kind);
      expect((await se.runFile(r, 'stdout.log')).toString()).toBe(
        [
          'control-opendir: OK',
          'dotdot-path: ENOENT',
          'dotdot-openat: ENOENT',
          'etc-passwd: ENOENT',
          'symlink-out: ENOENT',
          `proc-self-exe: OK ${guestArgv0('sandbox', flavour)}`,
          'proc-self-maps: ENOENT',
          'ro-create: EROFS',
          'ro-mkdir: EROFS',
          'escapes=0',
          '',
        ].join('\n'),
      );
      expect(r).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
      expect(num(r, 'exitCode')).toBe(0);
      // Nothing was written to the guest's /tmp either.
      expect(await readdir(join(se.runDir(r), 'scratch'))).toEqual([]);
    });

    it('stdio-files cannot read through an outward link nor create in the read-only mapping; a link to ../.. lists the mapping itself', async () => {
      const r = row(flavour, 'stdio-files');
      expect((await se.runFile(r, 'stdout.log')).toString()).toBe(
        [
          `FAIL: open ${LINKS.relative}: ENOENT`,
          'FAIL: create out.txt: EROFS',
          'directory: 6 entries',
          '  abs-link',
          '  dir-link',
          '  host-path-link',
          '  inside.txt',
          '  rel-link',
          '  sub',
          'files bad',
          '',
        ].join('\n'),
      );
      expect(r).toMatchObject({ status: 'failed', exit_cause: 'guest-exit', error: 'the program exited with status 1' });
    });
  });

  it('nothing outside the output folder changed: no file created, written, removed or touched', () => {
    expect(Object.keys(before).length).toBeGreaterThan(10);
    expect(after).toEqual(before);
  });

  it('the output folder holds only the results and the run folders', async () => {
    expect(outEntries).toEqual(['se-sandbox', 'se-sandbox.csv', 'se-sandbox.summary.csv']);
    expect((await readdir(join(se.dir, 'out', 'se-sandbox'))).sort()).toEqual(se.table.rows.map((r) => r.run_id).sort());
  });
});
