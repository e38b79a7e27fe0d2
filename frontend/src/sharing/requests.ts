/**
 * The sharing API's requests as plain values: which method, which URL (relative to the server's base
 * URL), which JSON body. Building them apart from sending them keeps the rules (what is sent when a
 * password is empty, how ids are escaped) testable without a server.
 */

import type { Role } from './types';

export interface IRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: Record<string, unknown>;
}

const API = 'api/meshcollab';

function query(url: string, params: Record<string, string>): string {
  return `${url}?${new URLSearchParams(params).toString()}`;
}

function item(collection: string, id: string): string {
  // Ids are opaque to us: a "/" in one must not become a path segment.
  return `${API}/${collection}/${encodeURIComponent(id)}`;
}

export interface ILinkSettings {
  role: Role;
  /** Absent or empty: no password. */
  password?: string;
  /** ISO 8601, or null for no expiry. */
  expiration?: string | null;
}

/** A change to a link: only what is given changes. `password: ''` removes the password, `expiration: null` the expiry. */
export interface ILinkChange {
  role?: Role;
  password?: string;
  expiration?: string | null;
}

export const requests = {
  findUsers: (text: string): IRequest => ({
    method: 'GET',
    url: query(`${API}/users`, { q: text.trim() })
  }),

  listShares: (path: string): IRequest => ({
    method: 'GET',
    url: query(`${API}/shares`, { path })
  }),
  share: (path: string, username: string, role: Role): IRequest => ({
    method: 'POST',
    url: `${API}/shares`,
    body: { path, username, role }
  }),
  changeShare: (id: string, role: Role): IRequest => ({
    method: 'PATCH',
    url: item('shares', id),
    body: { role }
  }),
  revokeShare: (id: string): IRequest => ({ method: 'DELETE', url: item('shares', id) }),

  listFederated: (path: string): IRequest => ({
    method: 'GET',
    url: query(`${API}/ocm/shares`, { path })
  }),
  shareFederated: (path: string, recipient: string, role: Role): IRequest => ({
    method: 'POST',
    url: `${API}/ocm/shares`,
    body: { path, recipient, role }
  }),
  revokeFederated: (id: string): IRequest => ({ method: 'DELETE', url: item('ocm/shares', id) }),

  listLinks: (path: string): IRequest => ({
    method: 'GET',
    url: query(`${API}/links`, { path })
  }),
  createLink: (path: string, settings: ILinkSettings): IRequest => ({
    method: 'POST',
    url: `${API}/links`,
    body: {
      path,
      role: settings.role,
      ...(settings.password ? { password: settings.password } : {}),
      ...(settings.expiration ? { expiration: settings.expiration } : {})
    }
  }),
  changeLink: (id: string, change: ILinkChange): IRequest => {
    const body: Record<string, unknown> = {};
    for (const key of ['role', 'password', 'expiration'] as const) {
      if (change[key] !== undefined) {
        body[key] = change[key];
      }
    }
    return { method: 'PATCH', url: item('links', id), body };
  },
  revokeLink: (id: string): IRequest => ({ method: 'DELETE', url: item('links', id) })
};
