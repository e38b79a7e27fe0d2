/** The share dialog's words: roles, people, links. Through the translator like every string. */

import type { ITrans } from '../format';
import type { ILink, IUser, Role } from './types';

export function roleLabel(role: Role, trans: ITrans): string {
  return role === 'editor' ? trans.__('Can edit') : trans.__('Can view');
}

/** "Marie Curie (marie)", or the user name alone when that is all there is. */
export function userLabel(user: IUser | null, trans: ITrans): string {
  if (!user) {
    return trans.__('someone');
  }
  const name = user.display_name || user.username;
  return name === user.username ? name : trans.__('%1 (%2)', name, user.username);
}

/** A day, in the user's locale: "31 Dec 2026". */
export function formatDay(iso: string, locale?: string, timeZone?: string): string {
  const date = new Date(iso);
  if (isNaN(date.getTime())) {
    return iso;
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', ...(timeZone ? { timeZone } : {}) }).format(date);
}

export function describeExpiry(iso: string | null, trans: ITrans, locale?: string, timeZone?: string): string {
  return iso ? trans.__('expires %1', formatDay(iso, locale, timeZone)) : trans.__('no expiry');
}

/** One line about a link: "Can view · password · expires 31 Dec 2026". */
export function describeLink(link: ILink, trans: ITrans, locale?: string, timeZone?: string): string {
  return [
    roleLabel(link.role, trans),
    link.password_protected ? trans.__('password') : trans.__('no password'),
    describeExpiry(link.expiration, trans, locale, timeZone)
  ].join(' · ');
}

