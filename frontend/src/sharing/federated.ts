/** Sharing with people at other institutions (OCM federated shares): `user@institution`, a role; the shares made, to revoke. */

import type { ITrans } from '../format';
import { SharingClient } from './client';
import { InlineError, section, ItemList, attempt, button, field, h, revokeButton, roleSelect, textInput } from './dom';
import { isRole, parseRecipient } from './input';
import { requests } from './requests';
import type { IFederatedShare } from './types';
import { roleLabel } from './words';

export class FederatedSection {
  readonly node: HTMLElement;

  constructor(
    private readonly _client: SharingClient,
    private readonly _path: string,
    private readonly _trans: ITrans,
    private readonly _announce: (text: string) => void
  ) {
    const trans = _trans;
    this.node = section('mc-Share-federated', trans.__('Other institutions'));
    this._recipient = textInput();
    this._recipient.placeholder = trans.__('user@institution');
    this._recipient.autocomplete = 'off';
    this._recipient.setAttribute('aria-describedby', this._error.node.id);
    this._recipient.addEventListener('input', () => this._recipient.removeAttribute('aria-invalid'));
    this._recipient.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        event.preventDefault();
        void this._create();
      }
    });
    this._role = roleSelect(trans, 'viewer');
    this._share = button(trans.__('Share'), 'jp-mod-accept');
    this._share.addEventListener('click', () => void this._create());
    this._list = new ItemList(trans.__('Shared with other institutions'), trans.__('Not shared with other institutions.'));
    const form = h('div', 'mc-Share-form');
    form.append(
      field(trans.__('Person at another institution'), this._recipient, 'mc-Share-grow'),
      field(trans.__('Access'), this._role),
      this._share
    );
    this.node.append(form, this._error.node, this._list.node);
  }

  async load(): Promise<void> {
    await attempt([], this._error, async () => {
      const { shares } = await this._client.send<{ shares: IFederatedShare[] }>(requests.listFederated(this._path));
      this._list.set(shares.map(share => this._row(share)));
    });
  }

  private async _create(): Promise<void> {
    const trans = this._trans;
    const recipient = parseRecipient(this._recipient.value, trans);
    const role = this._role.value;
    if (!recipient.ok) {
      this._recipient.setAttribute('aria-invalid', 'true');
      this._error.show(recipient.error);
      this._recipient.focus();
      return;
    }
    if (!isRole(role)) {
      return;
    }
    let share: IFederatedShare | undefined;
    await attempt([this._recipient, this._role, this._share], this._error, async () => {
      share = await this._client.send<IFederatedShare>(requests.shareFederated(this._path, recipient.value, role));
    });
    if (share) {
      this._list.add(this._row(share));
      this._recipient.value = '';
      this._recipient.focus();
      this._announce(trans.__('Shared with %1: %2.', share.recipient ?? recipient.value, roleLabel(share.role, trans)));
    }
  }

  private _row(share: IFederatedShare): HTMLElement {
    const trans = this._trans;
    const who = share.recipient ?? share.name;
    const row = h('li', 'mc-Share-row');
    row.dataset.shareId = share.id;
    const error = new InlineError();
    const revoke = revokeButton(
      trans,
      trans.__('Revoke access of %1', who),
      error,
      () => this._client.send(requests.revokeFederated(share.id)),
      () => {
        this._list.remove(row);
        this._recipient.focus();
        this._announce(trans.__('%1 no longer has access.', who));
      }
    );
    row.append(h('span', 'mc-Share-who', who), h('span', 'mc-Share-roleText', roleLabel(share.role, trans)), revoke, error.node);
    return row;
  }

  private readonly _error = new InlineError();
  private readonly _recipient: HTMLInputElement;
  private readonly _role: HTMLSelectElement;
  private readonly _share: HTMLButtonElement;
  private readonly _list: ItemList;
}
