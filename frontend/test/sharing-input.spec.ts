import { describe, expect, it } from 'vitest';
import { absoluteUrl, dateFieldValue, isRole, parseExpiry, parseRecipient } from '../src/sharing/input';
import { describeExpiry, describeLink, roleLabel, userLabel } from '../src/sharing/words';
import type { ILink } from '../src/sharing/types';
import { trans } from './trans';

describe('roles', () => {
  it('viewer and editor, in words', () => {
    expect(roleLabel('viewer', trans)).toBe('Can view');
    expect(roleLabel('editor', trans)).toBe('Can edit');
  });

  it('only the two roles the server knows', () => {
    expect(isRole('viewer')).toBe(true);
    expect(isRole('editor')).toBe(true);
    expect(isRole('owner')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });
});

describe('user@institution', () => {
  it('takes one @ with something on both sides, trimmed', () => {
    expect(parseRecipient('  marie@cern.ch ', trans)).toEqual({ ok: true, value: 'marie@cern.ch' });
    expect(parseRecipient('4c510ada-c86b@sciencemesh.cesnet.cz:443', trans)).toEqual({
      ok: true,
      value: '4c510ada-c86b@sciencemesh.cesnet.cz:443'
    });
  });

  it.each(['marie', '@cern.ch', 'marie@', 'marie@curie@cern.ch', 'marie curie@cern.ch', ''])(
    'refuses %j with an example of the right form',
    text => {
      const parsed = parseRecipient(text, trans);
      expect(parsed.ok).toBe(false);
      expect(parsed.ok || parsed.error).toMatch(/user@institution/);
    }
  );
});

describe('expiry dates', () => {
  const now = new Date(2026, 10, 28, 12, 0, 0); // 28 Nov 2026, noon where the tests run

  it('empty: no expiry', () => {
    expect(parseExpiry('', now, trans)).toEqual({ ok: true, value: null });
    expect(parseExpiry('   ', now, trans)).toEqual({ ok: true, value: null });
  });

  it('a day: to the end of that day where the user is, as ISO 8601', () => {
    expect(parseExpiry('2026-12-31', now, trans)).toEqual({
      ok: true,
      value: new Date(2026, 11, 31, 23, 59, 59).toISOString()
    });
  });

  it('today is still allowed (until its end); yesterday is in the past', () => {
    expect(parseExpiry('2026-11-28', now, trans).ok).toBe(true);
    const yesterday = parseExpiry('2026-11-27', now, trans);
    expect(yesterday).toEqual({ ok: false, error: 'The expiry date 2026-11-27 is in the past.' });
  });

  it.each(['31/12/2026', '2026-02-30', '2026-13-01', 'tomorrow'])('refuses %j', text => {
    expect(parseExpiry(text, now, trans)).toEqual({
      ok: false,
      error: 'Give the expiry as a date, for example 2026-12-31.'
    });
  });

  it('an expiry shows in the date field as its day where the user is', () => {
    const parsed = parseExpiry('2027-03-05', now, trans);
    expect(parsed.ok && dateFieldValue(parsed.value)).toBe('2027-03-05');
    expect(dateFieldValue(null)).toBe('');
    expect(dateFieldValue('not a date')).toBe('');
  });
});

describe('words of the dialog', () => {
  const link: ILink = {
    id: 'l1',
    token: 'tok',
    url: '/meshcollab/join/tok',
    fileId: null,
    path: 'nb.ipynb',
    role: 'viewer',
    permissions: [],
    password_protected: true,
    expiration: '2026-12-31T12:00:00+00:00',
    display_name: '',
    created: null
  };

  it('a link in one line: role, password, expiry', () => {
    expect(describeLink(link, trans, 'en-GB', 'UTC')).toBe('Can view · password · expires 31 Dec 2026');
    expect(describeLink({ ...link, role: 'editor', password_protected: false, expiration: null }, trans)).toBe(
      'Can edit · no password · no expiry'
    );
    expect(describeExpiry(null, trans)).toBe('no expiry');
  });

  it('people by name and user name', () => {
    const marie = { username: 'marie', display_name: 'Marie Curie', mail: '', idp: '', opaque_id: '' };
    expect(userLabel(marie, trans)).toBe('Marie Curie (marie)');
    expect(userLabel({ ...marie, display_name: '' }, trans)).toBe('marie');
    expect(userLabel(null, trans)).toBe('someone');
  });

  it("a link's address is absolute, below the server's base URL", () => {
    expect(absoluteUrl('/meshcollab/join/tok', 'http://127.0.0.1:8888/lab/tree/nb.ipynb')).toBe(
      'http://127.0.0.1:8888/meshcollab/join/tok'
    );
    expect(absoluteUrl('/user/einstein/meshcollab/join/tok', 'https://hub.example.org/user/einstein/lab')).toBe(
      'https://hub.example.org/user/einstein/meshcollab/join/tok'
    );
  });
});
