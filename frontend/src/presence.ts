/** Who is in a room, from its awareness states (no JupyterLab imports). */

import { initialsOf } from './format';

/** The `user` field that JupyterLab puts in awareness (from the server's identity, /api/me). */
export interface IAwarenessUser {
  username?: string;
  name?: string;
  display_name?: string;
  initials?: string;
  color?: string;
}

export interface IPerson {
  /** Stable key: the username, else the awareness client id. */
  key: string;
  name: string;
  initials: string;
  color: string;
  /** This browser tab (or another tab of the same user). */
  isSelf: boolean;
  /** Tabs or windows this person has in the room. */
  connections: number;
}

/**
 * One entry per person (a user with two tabs is one person), this user first, then by name.
 * States without a user (not yet announced) are left out.
 */
export function peopleOf(
  states: Map<number, Record<string, any>>,
  selfClientId: number
): IPerson[] {
  const selfUser = states.get(selfClientId)?.user as IAwarenessUser | undefined;
  const byKey = new Map<string, IPerson>();
  for (const [clientId, state] of states) {
    const user = state?.user as IAwarenessUser | undefined;
    if (!user || typeof user !== 'object') {
      continue;
    }
    const key = user.username || `client-${clientId}`;
    const known = byKey.get(key);
    if (known) {
      known.connections += 1;
      continue;
    }
    const name = user.display_name || user.name || user.username || '?';
    byKey.set(key, {
      key,
      name,
      initials: initialsOf(name, user.initials),
      color: user.color || 'var(--jp-layout-color3)',
      isSelf:
        clientId === selfClientId ||
        (!!selfUser?.username && selfUser.username === user.username),
      connections: 1
    });
  }
  return [...byKey.values()].sort((a, b) =>
    a.isSelf !== b.isSelf ? (a.isSelf ? -1 : 1) : a.name.localeCompare(b.name)
  );
}
