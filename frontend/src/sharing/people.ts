/** Sharing with people of this institution: find one, pick a role, share; the shares made, to change or revoke. */

import type { ITrans } from '../format';
import { SharingClient } from './client';
import { InlineError, section, ItemList, attempt, button, field, h, namedSelect, revokeButton, roleSelect } from './dom';
import { isRole } from './input';
import { requests } from './requests';
import type { IShare, IUser } from './types';
import { UserPicker } from './userpicker';
import { roleLabel, userLabel } from './words';

export class PeopleSection {
  readonly node: HTMLElement;

  constructor(
    private readonly _client: SharingClient,
    private readonly _path: string,
    private readonly _trans: ITrans,
    private readonly _announce: (text: string) => void
  ) {
    const trans = _trans;
    this.node = section('mc-Share-people', trans.__('People'));
    this._list = new ItemList(trans.__('People with access'), trans.__('Not shared with anyone yet.'));
    this._role = roleSelect(trans, 'viewer');
    this._share = button(trans.__('Share'), 'jp-mod-accept');
    this._share.disabled = true;
    this._share.addEventListener('click', () => void this._create());
    this._picker = new UserPicker({
      trans,
      label: trans.__('Share with'),
      find: async text => (await _client.send<{ users: IUser[] }>(requests.findUsers(text))).users,
      onPick: user => (this._share.disabled = user === null)
    });
    const form = h('div', 'mc-Share-form');
    form.append(this._picker.node, field(trans.__('Access'), this._role), this._share);
    this.node.append(form, this._picker.status, this._error.node, this._list.node);
  }

  /** Where the dialog puts the focus first. */
  get searchField(): HTMLInputElement {
    return this._picker.input;
  }

  async load(): Promise<void> {
    await attempt([], this._error, async () => {
      const { shares } = await this._client.send<{ shares: IShare[] }>(requests.listShares(this._path));
      this._list.set(shares.map(share => this._row(share)));
    });
  }

  dispose(): void {
    this._picker.dispose();
  }

  private async _create(): Promise<void> {
    const user = this._picker.picked;
    const role = this._role.value;
    if (!user || !isRole(role)) {
      return;
    }
    let share: IShare | undefined;
    await attempt([this._share, this._role, this._picker.input], this._error, async () => {
      share = await this._client.send<IShare>(requests.share(this._path, user.username, role));
    });
    if (share) {
      this._list.add(this._row(share));
      this._picker.clear();
      this._share.disabled = true;
      this._picker.input.focus();
      const who = userLabel(share.grantee ?? user, this._trans);
      this._announce(this._trans.__('Shared with %1: %2.', who, roleLabel(share.role, this._trans)));
    }
  }

  private _row(share: IShare): HTMLElement {
    const trans = this._trans;
    const who = userLabel(share.grantee, trans);
    const row = h('li', 'mc-Share-row');
    row.dataset.shareId = share.id;
    row.dataset.role = share.role;
    const error = new InlineError();
    const role = roleSelect(trans, share.role);
    const revoke = revokeButton(
      trans,
      trans.__('Revoke access of %1', who),
      error,
      () => this._client.send(requests.revokeShare(share.id)),
      () => {
        this._list.remove(row);
        this._picker.input.focus();
        this._announce(trans.__('%1 no longer has access.', who));
      },
      [role]
    );
    role.addEventListener('change', async () => {
      const wanted = role.value;
      if (!isRole(wanted)) {
        return;
      }
      const changed = await attempt([role, revoke], error, async () => {
        const answer = await this._client.send<IShare>(requests.changeShare(share.id, wanted));
        row.dataset.role = role.value = answer.role;
        this._announce(trans.__('%1 now: %2.', who, roleLabel(answer.role, trans)));
      });
      if (!changed) {
        role.value = row.dataset.role ?? share.role;
      }
    });
    row.append(h('span', 'mc-Share-who', who), namedSelect(role, trans.__('Access of %1', who)), revoke, error.node);
    return row;
  }

  private readonly _error = new InlineError();
  private readonly _list: ItemList;
  private readonly _role: HTMLSelectElement;
  private readonly _share: HTMLButtonElement;
  private readonly _picker: UserPicker;
}
