/** Sharing with people of this institution: find one, pick a role, share; the shares made, to change or revoke. */

import { element as h } from '../dom';
import { attempt, button, field, InlineError, namedSelect, revokeButton, roleSelect } from './dom';
import { isRole } from './input';
import { requests } from './requests';
import { ISectionContext, SharingSection } from './section';
import type { IShare, IUser } from './types';
import { UserPicker } from './userpicker';
import { roleLabel, userLabel } from './words';

export class PeopleSection extends SharingSection<IShare> {
  constructor(context: ISectionContext) {
    const { client, trans } = context;
    super(context, {
      className: 'mc-Share-people',
      title: trans.__('People'),
      listTitle: trans.__('People with access'),
      emptyText: trans.__('Not shared with anyone yet.')
    });
    this._role = roleSelect(trans, 'viewer');
    this._share = button(trans.__('Share'), 'jp-mod-accept');
    this._share.disabled = true;
    this._share.addEventListener('click', () => void this._create());
    this._picker = new UserPicker({
      trans,
      label: trans.__('Share with'),
      find: async text => (await client.send<{ users: IUser[] }>(requests.findUsers(text))).users,
      onPick: user => (this._share.disabled = user === null)
    });
    const form = h('div', 'mc-Share-form');
    form.append(this._picker.node, field(trans.__('Access'), this._role), this._share);
    this.node.append(form, this._picker.status, this.error.node, this.list.node);
  }

  dispose(): void {
    this._picker.dispose();
  }

  protected async fetch(): Promise<IShare[]> {
    const { client, path } = this.context;
    return (await client.send<{ shares: IShare[] }>(requests.listShares(path))).shares;
  }

  private async _create(): Promise<void> {
    const { client, path, trans, announce } = this.context;
    const user = this._picker.picked;
    const role = this._role.value;
    if (!user || !isRole(role)) {
      return;
    }
    let share: IShare | undefined;
    await attempt([this._share, this._role, this._picker.input], this.error, async () => {
      share = await client.send<IShare>(requests.share(path, user.username, role));
    });
    if (share) {
      this.list.add(this.row(share));
      this._picker.clear();
      this._share.disabled = true;
      this._picker.input.focus();
      announce(trans.__('Shared with %1: %2.', userLabel(share.grantee ?? user, trans), roleLabel(share.role, trans)));
    }
  }

  protected row(share: IShare): HTMLElement {
    const { client, trans, announce } = this.context;
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
      () => client.send(requests.revokeShare(share.id)),
      () => {
        this.list.remove(row);
        this._picker.input.focus();
        announce(trans.__('%1 no longer has access.', who));
      },
      [role]
    );
    role.addEventListener('change', async () => {
      const wanted = role.value;
      if (!isRole(wanted)) {
        return;
      }
      const changed = await attempt([role, revoke], error, async () => {
        const answer = await client.send<IShare>(requests.changeShare(share.id, wanted));
        row.dataset.role = role.value = answer.role;
        announce(trans.__('%1 now: %2.', who, roleLabel(answer.role, trans)));
      });
      if (!changed) {
        role.value = row.dataset.role ?? share.role;
      }
    });
    row.append(h('span', 'mc-Share-who', who), namedSelect(role, trans.__('Access of %1', who)), revoke, error.node);
    return row;
  }

  private readonly _role: HTMLSelectElement;
  private readonly _share: HTMLButtonElement;
  private readonly _picker: UserPicker;
}
