import { describe, expect, it } from 'vitest';
import { refusalMessage } from '../src/api';
import { requests } from '../src/sharing/requests';

describe('sharing requests', () => {
  it('searches users with the trimmed text, escaped', () => {
    expect(requests.findUsers('  marie curie&x ')).toEqual({
      method: 'GET',
      url: 'api/meshcollab/users?q=marie+curie%26x'
    });
  });

  it('lists what is shared of one path, of each kind', () => {
    expect(requests.listShares('t/a b.ipynb').url).toBe('api/meshcollab/shares?path=t%2Fa+b.ipynb');
    expect(requests.listFederated('nb.ipynb').url).toBe('api/meshcollab/ocm/shares?path=nb.ipynb');
    expect(requests.listLinks('nb.ipynb').url).toBe('api/meshcollab/links?path=nb.ipynb');
  });

  it('shares with a user and with a user at another institution', () => {
    expect(requests.share('nb.ipynb', 'marie', 'viewer')).toEqual({
      method: 'POST',
      url: 'api/meshcollab/shares',
      body: { path: 'nb.ipynb', username: 'marie', role: 'viewer' }
    });
    expect(requests.shareFederated('nb.ipynb', 'marie@cern.ch', 'editor')).toEqual({
      method: 'POST',
      url: 'api/meshcollab/ocm/shares',
      body: { path: 'nb.ipynb', recipient: 'marie@cern.ch', role: 'editor' }
    });
  });

  it('changes and revokes by id, an id being one path segment whatever it holds', () => {
    expect(requests.changeShare('a/b:c', 'editor')).toEqual({
      method: 'PATCH',
      url: 'api/meshcollab/shares/a%2Fb%3Ac',
      body: { role: 'editor' }
    });
    expect(requests.revokeShare('s1')).toEqual({ method: 'DELETE', url: 'api/meshcollab/shares/s1' });
    expect(requests.revokeFederated('o/1')).toEqual({ method: 'DELETE', url: 'api/meshcollab/ocm/shares/o%2F1' });
    expect(requests.revokeLink('l1')).toEqual({ method: 'DELETE', url: 'api/meshcollab/links/l1' });
  });

  it('creates a link without a password or expiry unless given', () => {
    expect(requests.createLink('nb.ipynb', { role: 'viewer', password: '', expiration: null }).body).toEqual({
      path: 'nb.ipynb',
      role: 'viewer'
    });
    expect(
      requests.createLink('nb.ipynb', { role: 'editor', password: 's3cret', expiration: '2026-12-31T22:59:59.000Z' }).body
    ).toEqual({ path: 'nb.ipynb', role: 'editor', password: 's3cret', expiration: '2026-12-31T22:59:59.000Z' });
  });

  it('changes only what is given in a link; an empty password or a null expiry removes it', () => {
    expect(requests.changeLink('l1', { role: 'editor' }).body).toEqual({ role: 'editor' });
    expect(requests.changeLink('l1', { password: '' })).toEqual({
      method: 'PATCH',
      url: 'api/meshcollab/links/l1',
      body: { password: '' }
    });
    expect(requests.changeLink('l1', { expiration: '2027-01-01T00:00:00Z' }).body).toEqual({
      expiration: '2027-01-01T00:00:00Z'
    });
    expect(requests.changeLink('l1', { expiration: null }).body).toEqual({ expiration: null });
  });
});

describe('error messages', () => {
  it("the server's message, as Jupyter's API errors carry it", () => {
    const body = JSON.stringify({ message: 'einstein/nb.ipynb is already shared with marie', reason: null });
    expect(refusalMessage(409, 'Conflict', body)).toBe('einstein/nb.ipynb is already shared with marie');
  });

  it('the status when the answer says nothing (a proxy page, an empty message)', () => {
    expect(refusalMessage(502, 'Bad Gateway', '<html>oops</html>')).toBe('502 Bad Gateway');
    expect(refusalMessage(403, 'Forbidden', '{"message": ""}')).toBe('403 Forbidden');
  });
});
