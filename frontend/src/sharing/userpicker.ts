/**
 * Find a person as you type and pick one: a combobox with a list of the people found (WAI-ARIA's
 * combobox pattern: arrows move through the list, Enter or a click picks, the count is read out).
 */

import type { ITrans } from '../format';
import { DebouncedSearch } from './search';
import type { IUser } from './types';
import { errorMessage } from '../api';
import { element as h } from '../dom';
import { textInput, uniqueId } from './dom';
import { userLabel } from './words';

export interface IUserPickerOptions {
  trans: ITrans;
  label: string;
  find: (text: string) => Promise<IUser[]>;
  /** A person was picked, or the pick was undone by typing again (null). */
  onPick: (user: IUser | null) => void;
}

export class UserPicker {
  readonly node = h('div', 'mc-Share-field mc-UserPicker');
  readonly input = textInput();
  /** What the search found, or that it failed: below the form, read out as it changes. */
  readonly status = h('p', 'mc-UserPicker-status');
  picked: IUser | null = null;

  constructor(private readonly _options: IUserPickerOptions) {
    const { trans } = _options;
    const label = h('label', 'mc-Share-label', _options.label);
    label.htmlFor = this.input.id;
    this.input.placeholder = trans.__('Name, user name or e-mail');
    this.input.autocomplete = 'off';
    this.input.setAttribute('role', 'combobox');
    this.input.setAttribute('aria-autocomplete', 'list');
    this.input.setAttribute('aria-expanded', 'false');
    this._list.id = uniqueId('mc-user-list');
    this._list.setAttribute('role', 'listbox');
    this._list.setAttribute('aria-label', trans.__('People found'));
    this._list.hidden = true;
    this.input.setAttribute('aria-controls', this._list.id);
    this.status.setAttribute('role', 'status');
    this.node.append(label, this.input, this._list);

    this._search = new DebouncedSearch<IUser[]>({
      search: _options.find,
      onResults: (text, users) => this._show(text, users),
      onError: (_, error) => {
        this._close();
        this.status.textContent = trans.__('Cannot search: %1', errorMessage(error));
      },
      onCleared: () => {
        this._close();
        this.status.textContent = '';
      }
    });
    this.input.addEventListener('input', () => {
      this._unpick();
      this._search.input(this.input.value);
    });
    this.input.addEventListener('keydown', event => this._onKey(event));
  }

  /** Empty the field for the next person. */
  clear(): void {
    this._search.cancel();
    this.input.value = '';
    this._unpick();
    this._close();
    this.status.textContent = '';
  }

  dispose(): void {
    this._search.cancel();
  }

  private _show(text: string, users: IUser[]): void {
    const { trans } = this._options;
    this._users = users;
    this._list.replaceChildren(
      ...users.map((user, index) => {
        const option = h('li', 'mc-UserPicker-option');
        option.id = `${this._list.id}-${index}`;
        option.setAttribute('role', 'option');
        option.setAttribute('aria-selected', 'false');
        option.append(h('span', 'mc-UserPicker-name', userLabel(user, trans)));
        if (user.mail) {
          option.append(h('span', 'mc-UserPicker-mail', user.mail));
        }
        // Keep the focus in the field: a click on an option picks it.
        option.addEventListener('mousedown', event => event.preventDefault());
        option.addEventListener('click', () => this._pick(index));
        return option;
      })
    );
    this._active = -1;
    this._list.hidden = users.length === 0;
    this.input.setAttribute('aria-expanded', String(users.length > 0));
    this.input.removeAttribute('aria-activedescendant');
    this.status.textContent = users.length
      ? trans._n('%1 person found: arrow keys to choose, Enter to pick.', '%1 people found: arrow keys to choose, Enter to pick.', users.length)
      : trans.__('No one found for “%1”.', text);
  }

  private _onKey(event: KeyboardEvent): void {
    const count = this._users.length;
    if (this._list.hidden || count === 0) {
      return;
    }
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this._setActive((this._active + step + count) % count);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      this._pick(this._active >= 0 ? this._active : count === 1 ? 0 : -1);
    }
  }

  private _setActive(index: number): void {
    const options = Array.from(this._list.children);
    options.forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
    this._active = index;
    const active = options[index];
    if (active) {
      this.input.setAttribute('aria-activedescendant', active.id);
      active.scrollIntoView({ block: 'nearest' });
    }
  }

  private _pick(index: number): void {
    const user = this._users[index];
    if (!user) {
      return;
    }
    this._search.cancel();
    this.picked = user;
    this.input.value = userLabel(user, this._options.trans);
    this._close();
    this.status.textContent = this._options.trans.__('%1 picked.', userLabel(user, this._options.trans));
    this._options.onPick(user);
  }

  private _unpick(): void {
    if (this.picked) {
      this.picked = null;
      this._options.onPick(null);
    }
  }

  private _close(): void {
    this._users = [];
    this._active = -1;
    this._list.hidden = true;
    this._list.replaceChildren();
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  private readonly _list = h('ul', 'mc-UserPicker-list');
  private readonly _search: DebouncedSearch<IUser[]>;
  private _users: IUser[] = [];
  private _active = -1;
}
