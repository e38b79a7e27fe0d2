/** Words and numbers for the CS3 panel and the file information (pure: unit-tested in test/). */

import type { ITrans } from '../format';
import type { ICellChange, IQuota, IReceivedShare, IShare, IUser, Role } from './client';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** "1.5 MB" (powers of 1000, as sync-and-share clients count). */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export interface IQuotaView {
  /** 0–100, or null without a limit. */
  percent: number | null;
  level: 'ok' | 'high' | 'full';
  text: string;
}

/** How full the storage is: the bar's width and colour, and its words. */
export function describeQuota(quota: IQuota, trans: ITrans): IQuotaView {
  if (quota.total === null || quota.total <= 0) {
    return { percent: null, level: 'ok', text: trans.__('%1 used', formatBytes(quota.used)) };
  }
  const percent = Math.min(100, Math.round((quota.used / quota.total) * 100));
  const level = quota.used >= quota.total ? 'full' : percent >= 90 ? 'high' : 'ok';
  return {
    percent,
    level,
    text: trans.__('%1 of %2 used (%3%)', formatBytes(quota.used), formatBytes(quota.total), percent)
  };
}

export function roleLabel(role: Role | string, trans: ITrans): string {
  return role === 'editor' ? trans.__('can edit') : trans.__('can view');
}

export function userLabel(user: IUser | null | undefined): string {
  if (!user) {
    return '';
  }
  return user.display_name || user.username;
}

/** The received shares by what the user can do with them: answer, or open. */
export function sortReceived(shares: IReceivedShare[]): {
  pending: IReceivedShare[];
  accepted: IReceivedShare[];
} {
  const byName = (a: IReceivedShare, b: IReceivedShare) => a.name.localeCompare(b.name);
  return {
    pending: shares.filter(share => share.state === 'pending').sort(byName),
    accepted: shares.filter(share => share.state === 'accepted' && share.path).sort(byName)
  };
}

/** The shares I made, by the path they share (paths sorted; shares of a path by grantee). */
export function groupByPath(shares: IShare[]): Array<{ path: string; shares: IShare[] }> {
  const groups = new Map<string, IShare[]>();
  for (const share of shares) {
    const path = share.path ?? '';
    groups.set(path, [...(groups.get(path) ?? []), share]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, list]) => ({
      path,
      shares: list.sort((a, b) => userLabel(a.grantee).localeCompare(userLabel(b.grantee)))
    }));
}

/** The folder that holds a Jupyter path ("" for the root). */
export function folderOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index < 0 ? '' : path.slice(0, index);
}

/** The last part of a Jupyter path. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The words for one cell change of a merge preview. */
export function describeChange(change: ICellChange, trans: ITrans): string {
  const position = (change.new_index ?? change.old_index ?? 0) + 1;
  switch (change.kind) {
    case 'added':
      return trans.__('New %1 cell at position %2', change.cell_type, position);
    case 'removed':
      return trans.__('The %1 cell at position %2 is removed', change.cell_type, position);
    case 'moved':
      return trans.__('A %1 cell moves to position %2', change.cell_type, position);
    default:
      return trans.__('Cell %1 changes: %2', position, change.fields.join(', '));
  }
}

