/**
 * The server API behind the CS3 panel and the file information: spaces, quota, received shares,
 * file information, versions, conflict copies (meshcollab/files/README.md,
 * meshcollab/sharing/README.md, meshcollab/recovery/README.md).
 */

import { ServerConnection } from '@jupyterlab/services';
import { apiUrl, requestJSON } from '../api';
import type { IFederatedShare, ILink, IShare, IUser, Role } from '../sharing/types';

export type { IShare, IUser, Role };

export type ShareState = 'pending' | 'accepted' | 'rejected';

export interface IQuota {
  /** Bytes; null when the storage sets no limit or does not say. */
  total: number | null;
  used: number;
}

export interface ISpace {
  id: string;
  name: string;
  type: 'personal' | 'project';
  /** Where it opens in the file browser ("" for the home, "Projects/<name>"). */
  path: string;
  role: string | null;
  quota: IQuota | null;
}

export interface IReceivedShare extends IShare {
  state: ShareState;
  name: string;
  mount_point: string;
}

export interface IReceivedFederatedShare {
  id: string;
  name: string;
  state: ShareState;
  /** `user@institution`. */
  owner: string;
  role: Role;
  path: string | null;
}

export interface ILockInfo {
  app: string;
  holder: IUser | null;
  expires: string | null;
  /** Held by a meshcollab room (this server or another one). */
  meshcollab: boolean;
}

export interface IVersion {
  key: string;
  modified: string;
  size: number;
}

export interface IConflictCopy {
  path: string;
  user: string;
  created: string;
}

export interface IFileInfo {
  path: string;
  name: string;
  type: 'file' | 'notebook' | 'directory';
  fileId: string;
  size: number | null;
  modified: string | null;
  owner: IUser | null;
  permissions: { read: boolean; write: boolean; share: boolean };
  lock: ILockInfo | null;
  shares: IShare[];
  links: ILink[];
  federated: IFederatedShare[];
  versions: IVersion[];
  conflict_copies: IConflictCopy[];
  room: { active: boolean; members: number };
}

export interface ICellChange {
  kind: 'added' | 'removed' | 'moved' | 'modified';
  cell_id: string;
  cell_type: string;
  old_index: number | null;
  new_index: number | null;
  fields: string[];
  source_diff: string;
  /** For an added or removed cell: its source. */
  source?: string;
  moved: boolean;
}

/** Something both sides changed differently; the merge kept both (in the cell, with markers). */
export interface IMergeConflict {
  /** The cell, or null for the notebook's metadata. */
  cell_id: string | null;
  kind: string;
  /** What the merge did about it, in the server's words. */
  description: string;
}

export interface IMergeAnswer {
  changes: ICellChange[];
  conflicts: IMergeConflict[];
  changed: boolean;
  applied: boolean;
}

/** What a merge brings in: a conflict copy (its Jupyter path) or an earlier version (its key). */
export type MergeSource = { conflict_copy: string } | { version: string };

/** The requests of the panel, bound to the server's settings. */
export class CS3Client {
  constructor(readonly settings: ServerConnection.ISettings) {}

  async spaces(): Promise<ISpace[]> {
    return (await this._get<{ spaces: ISpace[] }>('api/meshcollab/spaces')).spaces;
  }

  quota(path = ''): Promise<IQuota> {
    return this._get<IQuota>('api/meshcollab/quota', undefined, path ? { path } : {});
  }

  info(path: string): Promise<IFileInfo> {
    return this._get<IFileInfo>('api/meshcollab/info', path);
  }

  async receivedShares(): Promise<IReceivedShare[]> {
    return (await this._get<{ shares: IReceivedShare[] }>('api/meshcollab/shares/received')).shares;
  }

  async myShares(): Promise<IShare[]> {
    return (await this._get<{ shares: IShare[] }>('api/meshcollab/shares')).shares;
  }

  async receivedFederatedShares(): Promise<IReceivedFederatedShare[]> {
    return (await this._get<{ shares: IReceivedFederatedShare[] }>('api/meshcollab/ocm/received'))
      .shares;
  }

  /** Accept or decline a share (`federated`: one from another institution). */
  answerShare(id: string, accept: boolean, federated = false): Promise<unknown> {
    const base = federated ? 'api/meshcollab/ocm/received' : 'api/meshcollab/shares/received';
    return this._post(`${base}/${encodeURIComponent(id)}/${accept ? 'accept' : 'decline'}`, {});
  }

  restoreVersion(path: string, version: string): Promise<{ restored: boolean; live: boolean }> {
    return this._post('api/meshcollab/versions/restore', { version }, path);
  }

  /** The cell changes a merge into the live notebook would make (`apply`: and make them). */
  merge(path: string, source: MergeSource, apply: boolean): Promise<IMergeAnswer> {
    return this._post(`api/meshcollab/merge/${apply ? 'apply' : 'preview'}`, source, path);
  }

  private _get<T>(endpoint: string, path?: string, query?: Record<string, string>): Promise<T> {
    return requestJSON<T>(this.settings, apiUrl(this.settings, endpoint, path, query));
  }

  private _post<T>(endpoint: string, body: unknown, path?: string): Promise<T> {
    return requestJSON<T>(this.settings, apiUrl(this.settings, endpoint, path), 'POST', body);
  }
}
