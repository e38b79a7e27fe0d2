import { describe, expect, it } from 'vitest';
import {
  describeChange,
  describeQuota,
  folderOf,
  formatBytes,
  groupByPath,
  nameOf,
  sortReceived
} from '../src/panel/describe';
import type { ICellChange, IReceivedShare, IShare } from '../src/panel/client';
import { trans } from './trans';

const user = (username: string, display_name = '') => ({ username, display_name });

function received(name: string, state: IReceivedShare['state'], path: string | null): IReceivedShare {
  return {
    id: name,
    fileId: name,
    path,
    role: 'viewer',
    grantee: user('marie'),
    owner: user('einstein', 'Albert Einstein'),
    created: '2026-11-28T10:00:00Z',
    expiration: null,
    state,
    name,
    mount_point: name
  };
}

describe('formatBytes', () => {
  it('counts in powers of 1000 with one decimal below 100', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 KB');
    expect(formatBytes(20_000_000)).toBe('20.0 MB');
    expect(formatBytes(250_000_000_000)).toBe('250 GB');
  });
});

describe('describeQuota', () => {
  it('says how full the storage is and warns near the limit', () => {
    expect(describeQuota({ total: 1000, used: 250 }, trans)).toEqual({
      percent: 25,
      level: 'ok',
      text: '250 B of 1.0 KB used (25%)'
    });
    expect(describeQuota({ total: 1000, used: 950 }, trans).level).toBe('high');
    expect(describeQuota({ total: 1000, used: 1200 }, trans)).toMatchObject({ percent: 100, level: 'full' });
  });

  it('shows only what is used when there is no limit', () => {
    expect(describeQuota({ total: null, used: 2_000_000 }, trans)).toEqual({
      percent: null,
      level: 'ok',
      text: '2.0 MB used'
    });
  });
});

describe('sortReceived', () => {
  it('puts shares waiting for an answer apart from those to open, by name', () => {
    const { pending, accepted } = sortReceived([
      received('b.ipynb', 'pending', null),
      received('z.ipynb', 'accepted', 'MyShares/z.ipynb'),
      received('a.ipynb', 'pending', null),
      received('gone.ipynb', 'accepted', null),
      received('no.ipynb', 'rejected', null)
    ]);
    expect(pending.map(s => s.name)).toEqual(['a.ipynb', 'b.ipynb']);
    expect(accepted.map(s => s.name)).toEqual(['z.ipynb']);
  });
});

describe('groupByPath', () => {
  it('lists each shared path once with its grantees in order', () => {
    const share = (path: string, grantee: string): IShare => ({
      ...received(path, 'accepted', path),
      grantee: user(grantee, grantee.toUpperCase())
    });
    const groups = groupByPath([share('b.ipynb', 'richard'), share('a.ipynb', 'marie'), share('b.ipynb', 'marie')]);
    expect(groups.map(g => [g.path, g.shares.map(s => s.grantee.username)])).toEqual([
      ['a.ipynb', ['marie']],
      ['b.ipynb', ['marie', 'richard']]
    ]);
  });
});

describe('paths', () => {
  it('splits a Jupyter path into folder and name', () => {
    expect(folderOf('a/b/c.ipynb')).toBe('a/b');
    expect(folderOf('c.ipynb')).toBe('');
    expect(nameOf('a/b/c.ipynb')).toBe('c.ipynb');
  });
});

describe('describeChange', () => {
  const change = (kind: ICellChange['kind'], extra: Partial<ICellChange> = {}): ICellChange => ({
    kind,
    cell_id: 'x',
    cell_type: 'code',
    old_index: 2,
    new_index: 4,
    fields: [],
    source_diff: '',
    moved: false,
    ...extra
  });

  it('names the cell by its position, counted from 1, where it ends up', () => {
    expect(describeChange(change('added', { old_index: null }), trans)).toBe('New code cell at position 5');
    expect(describeChange(change('removed', { new_index: null }), trans)).toBe(
      'The code cell at position 3 is removed'
    );
    expect(describeChange(change('moved'), trans)).toBe('A code cell moves to position 5');
    expect(describeChange(change('modified', { fields: ['source', 'outputs'] }), trans)).toBe(
      'Cell 5 changes: source, outputs'
    );
  });
});
