/**
 * Public links: create one (role, optional password, optional expiry); the links made, each with its
 * address to copy (and to select by hand), its role, password and expiry to change, and Revoke.
 */

import {
  InlineError,
  attempt,
  button,
  copyToClipboard,
  field,
  revokeButton,
  roleSelect,
  textInput,
  uniqueId
} from './dom';
import { element as h } from '../dom';
import { absoluteUrl, dateFieldValue, isRole, parseExpiry } from './input';
import { ILinkChange, requests } from './requests';
import { ISectionContext, SharingSection } from './section';
import type { ILink } from './types';
import { describeLink } from './words';

export class LinksSection extends SharingSection<ILink> {
  constructor(context: ISectionContext) {
    const { trans } = context;
    super(context, {
      className: 'mc-Share-links',
      title: trans.__('Public links'),
      listTitle: trans.__('Links'),
      emptyText: trans.__('No links yet.')
    });
    this._role = roleSelect(trans, 'viewer');
    this._password = textInput('password');
    this._password.autocomplete = 'new-password';
    this._expiry = textInput('date');
    this._create = button(trans.__('Create link'), 'jp-mod-accept');
    this._create.addEventListener('click', () => void this._createLink());
    const form = h('div', 'mc-Share-form');
    form.append(
      field(trans.__('Access'), this._role),
      field(trans.__('Password (optional)'), this._password),
      field(trans.__('Expires (optional)'), this._expiry),
      this._create
    );
    this.node.append(
      h('p', 'mc-Share-hint', trans.__('Anyone with a link can open this document, without an account.')),
      form,
      this.error.node,
      this.list.node
    );
  }

  protected async fetch(): Promise<ILink[]> {
    const { client, path } = this.context;
    return (await client.send<{ links: ILink[] }>(requests.listLinks(path))).links;
  }

  private async _createLink(): Promise<void> {
    const { client, path, trans, announce } = this.context;
    const role = this._role.value;
    const expiry = parseExpiry(this._expiry.value, new Date(), trans);
    if (!expiry.ok) {
      this.error.show(expiry.error);
      this._expiry.focus();
      return;
    }
    if (!isRole(role)) {
      return;
    }
    let link: ILink | undefined;
    const controls = [this._role, this._password, this._expiry, this._create];
    await attempt(controls, this.error, async () => {
      link = await client.send<ILink>(
        requests.createLink(path, { role, password: this._password.value, expiration: expiry.value })
      );
    });
    if (link) {
      this._password.value = '';
      this._expiry.value = '';
      const row = this.row(link);
      this.list.add(row);
      row.querySelector<HTMLInputElement>('.mc-Link-url')?.focus();
      announce(trans.__('Link created: %1.', describeLink(link, trans)));
    }
  }

  protected row(initial: ILink): HTMLElement {
    const { client, trans, announce } = this.context;
    let link = initial;
    const row = h('li', 'mc-Link');
    row.dataset.linkId = link.id;
    const group = h('div', 'mc-Link-group');
    const summary = h('p', 'mc-Link-summary');
    summary.id = uniqueId('mc-link');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-labelledby', summary.id);
    const error = new InlineError();

    // The address: selectable by hand in its field, or copied with the button.
    const url = textInput();
    url.readOnly = true;
    url.classList.add('mc-Link-url');
    url.addEventListener('focus', () => url.select());
    const copy = button(trans.__('Copy link'), 'mc-Link-copy');
    const copied = h('span', 'mc-Link-copied');
    copied.setAttribute('role', 'status');
    let clearCopied: ReturnType<typeof setTimeout> | undefined;
    copy.addEventListener('click', async () => {
      const done = await copyToClipboard(url.value, url);
      copied.textContent = done ? trans.__('Copied') : trans.__('Select the address and press Ctrl+C to copy it.');
      copied.classList.toggle('mc-mod-failed', !done);
      clearTimeout(clearCopied);
      clearCopied = setTimeout(() => (copied.textContent = ''), 6000);
    });

    // Changes: the role at once, the password and the expiry with their buttons.
    const role = roleSelect(trans, link.role);
    const password = textInput('password');
    password.autocomplete = 'new-password';
    const setPassword = button(trans.__('Set password'));
    const removePassword = button(trans.__('Remove password'));
    const expiry = textInput('date');
    const setExpiry = button(trans.__('Set expiry'));
    const removeExpiry = button(trans.__('Remove expiry'));
    const controls = [role, password, setPassword, removePassword, expiry, setExpiry, removeExpiry, copy];

    const show = (next: ILink) => {
      link = next;
      row.dataset.role = link.role;
      row.dataset.password = String(link.password_protected);
      summary.textContent = describeLink(link, trans);
      url.value = absoluteUrl(link.url, window.location.href);
      role.value = link.role;
      removePassword.hidden = !link.password_protected;
      removeExpiry.hidden = !link.expiration;
      expiry.value = dateFieldValue(link.expiration);
    };
    const change = async (what: ILinkChange) => {
      let answer: ILink | undefined;
      await attempt(controls, error, async () => {
        answer = await client.send<ILink>(requests.changeLink(link.id, what));
      });
      if (answer) {
        show(answer);
        announce(trans.__('Link changed: %1.', describeLink(answer, trans)));
      } else {
        show(link);
      }
    };
    role.addEventListener('change', () => {
      if (isRole(role.value)) {
        void change({ role: role.value });
      }
    });
    setPassword.addEventListener('click', () => {
      if (!password.value) {
        error.show(trans.__('Type the new password first.'));
        password.focus();
        return;
      }
      const value = password.value;
      password.value = '';
      void change({ password: value });
    });
    removePassword.addEventListener('click', () => void change({ password: '' }));
    setExpiry.addEventListener('click', () => {
      const parsed = parseExpiry(expiry.value, new Date(), trans);
      if (!parsed.ok || parsed.value === null) {
        error.show(parsed.ok ? trans.__('Choose the last day the link works.') : parsed.error);
        expiry.focus();
        return;
      }
      void change({ expiration: parsed.value });
    });
    removeExpiry.addEventListener('click', () => void change({ expiration: null }));

    const revoke = revokeButton(
      trans,
      trans.__('Revoke this link'),
      error,
      () => client.send(requests.revokeLink(link.id)),
      () => {
        this.list.remove(row);
        this._role.focus();
        announce(trans.__('Link revoked: it opens nothing any more.'));
      },
      controls
    );

    const address = h('div', 'mc-Link-address');
    address.append(field(trans.__('Address'), url, 'mc-Share-grow'), copy, copied);
    const passwordBlock = h('div', 'mc-Link-change');
    passwordBlock.append(field(trans.__('New password'), password), setPassword, removePassword);
    const expiryBlock = h('div', 'mc-Link-change');
    expiryBlock.append(field(trans.__('Expires'), expiry), setExpiry, removeExpiry);
    const settings = h('div', 'mc-Link-settings');
    settings.append(field(trans.__('Access'), role), passwordBlock, expiryBlock, revoke);
    group.append(summary, address, settings, error.node);
    row.append(group);
    show(link);
    return row;
  }

  private readonly _role: HTMLSelectElement;
  private readonly _password: HTMLInputElement;
  private readonly _expiry: HTMLInputElement;
  private readonly _create: HTMLButtonElement;
}
