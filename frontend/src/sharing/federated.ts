/** Sharing with people at other institutions (OCM federated shares): `user@institution`, a role; the shares made, to revoke. */

import { element as h } from '../dom';
import { attempt, button, field, InlineError, revokeButton, roleSelect, textInput } from './dom';
import { isRole, parseRecipient } from './input';
import { requests } from './requests';
import { ISectionContext, SharingSection } from './section';
import type { IFederatedShare } from './types';
import { roleLabel } from './words';

export class FederatedSection extends SharingSection<IFederatedShare> {
  constructor(context: ISectionContext) {
    const { trans } = context;
    super(context, {
      className: 'mc-Share-federated',
      title: trans.__('Other institutions'),
      listTitle: trans.__('Shared with other institutions'),
      emptyText: trans.__('Not shared with other institutions.')
    });
    this._recipient = textInput();
    this._recipient.placeholder = trans.__('user@institution');
    this._recipient.autocomplete = 'off';
    this._recipient.setAttribute('aria-describedby', this.error.node.id);
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
    const form = h('div', 'mc-Share-form');
    form.append(
      field(trans.__('Person at another institution'), this._recipient, 'mc-Share-grow'),
      field(trans.__('Access'), this._role),
      this._share
    );
    this.node.append(form, this.error.node, this.list.node);
  }

  protected async fetch(): Promise<IFederatedShare[]> {
    const { client, path } = this.context;
    return (await client.send<{ shares: IFederatedShare[] }>(requests.listFederated(path))).shares;
  }

  private async _create(): Promise<void> {
    const { client, path, trans, announce } = this.context;
    const recipient = parseRecipient(this._recipient.value, trans);
    const role = this._role.value;
    if (!recipient.ok) {
      this._recipient.setAttribute('aria-invalid', 'true');
      this.error.show(recipient.error);
      this._recipient.focus();
      return;
    }
    if (!isRole(role)) {
      return;
    }
    let share: IFederatedShare | undefined;
    await attempt([this._recipient, this._role, this._share], this.error, async () => {
      share = await client.send<IFederatedShare>(requests.shareFederated(path, recipient.value, role));
    });
    if (share) {
      this.list.add(this.row(share));
      this._recipient.value = '';
      this._recipient.focus();
      announce(trans.__('Shared with %1: %2.', share.recipient ?? recipient.value, roleLabel(share.role, trans)));
    }
  }

  protected row(share: IFederatedShare): HTMLElement {
    const { client, trans, announce } = this.context;
    const who = share.recipient ?? share.name;
    const row = h('li', 'mc-Share-row');
    row.dataset.shareId = share.id;
    const error = new InlineError();
    const revoke = revokeButton(
      trans,
      trans.__('Revoke access of %1', who),
      error,
      () => client.send(requests.revokeFederated(share.id)),
      () => {
        this.list.remove(row);
        this._recipient.focus();
        announce(trans.__('%1 no longer has access.', who));
      }
    );
    row.append(h('span', 'mc-Share-who', who), h('span', 'mc-Share-roleText', roleLabel(share.role, trans)), revoke, error.node);
    return row;
  }

  private readonly _recipient: HTMLInputElement;
  private readonly _role: HTMLSelectElement;
  private readonly _share: HTMLButtonElement;
}
