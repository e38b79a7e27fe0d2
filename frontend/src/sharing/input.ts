/**
 * What the user types into the share dialog, checked and turned into what the API takes: roles,
 * `user@institution`, expiry dates. Pure functions, so the rules are tested without a browser.
 */

import type { ITrans } from '../format';
import type { Role } from './types';

export const ROLES: readonly Role[] = ['viewer', 'editor'];

export function isRole(value: unknown): value is Role {
  return value === 'viewer' || value === 'editor';
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * A federated recipient, `user@institution` as OCM names users: one "@" with something on both
 * sides (as the server requires) and no spaces.
 */
export function parseRecipient(text: string, trans: ITrans): Parsed<string> {
  const value = text.trim();
  const parts = value.split('@');
  if (parts.length !== 2 || !parts[0] || !parts[1] || /\s/.test(value)) {
    return {
      ok: false,
      error: trans.__('Write the person as user@institution, for example marie@cern.ch.')
    };
  }
  return { ok: true, value };
}

/**
 * An expiry date from a date field (`YYYY-MM-DD`, the browser's form whatever the locale shows):
 * the link or share lasts to the end of that day where the user is. Empty: no expiry. A day before
 * today is refused.
 */
export function parseExpiry(text: string, now: Date, trans: ITrans): Parsed<string | null> {
  const value = text.trim();
  if (!value) {
    return { ok: true, value: null };
  }
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const end = match
    ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59)
    : null;
  // new Date() rolls 2026-02-31 over into March: a date that does not exist is not taken.
  if (!match || !end || end.getDate() !== Number(match[3]) || end.getMonth() !== Number(match[2]) - 1) {
    return { ok: false, error: trans.__('Give the expiry as a date, for example 2026-12-31.') };
  }
  if (end.getTime() < now.getTime()) {
    return { ok: false, error: trans.__('The expiry date %1 is in the past.', value) };
  }
  return { ok: true, value: end.toISOString() };
}

/** The value of a date field for an ISO time (the day where the user is), or "" for none. */
export function dateFieldValue(iso: string | null): string {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  if (isNaN(date.getTime())) {
    return '';
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The link's full address, to copy and send: the server names it below its own base URL. */
export function absoluteUrl(url: string, pageUrl: string): string {
  return new URL(url, pageUrl).href;
}
