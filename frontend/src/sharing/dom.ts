/** Small builders for the share dialog's controls: every control gets a label a screen reader reads. */

import { Styling } from '@jupyterlab/ui-components';
import { errorMessage } from '../api';
import { element as h } from '../dom';
import type { ITrans } from '../format';
import { ROLES } from './input';
import type { Role } from './types';
import { roleLabel } from './words';

let counter = 0;

/** An id unique in the page (for label `for`, `aria-controls`, `aria-activedescendant`). */
export function uniqueId(prefix: string): string {
  return `${prefix}-${++counter}`;
}

export function button(text: string, className = ''): HTMLButtonElement {
  const node = h('button', `jp-Button jp-mod-styled mc-Share-button ${className}`.trim(), text);
  node.type = 'button';
  return node;
}

export function textInput(type: 'text' | 'password' | 'date' = 'text'): HTMLInputElement {
  const node = h('input', 'jp-mod-styled mc-Share-input');
  node.type = type;
  node.id = uniqueId('mc-share-input');
  return node;
}

/** A select of the roles, "Can view" and "Can edit". */
export function roleSelect(trans: ITrans, value: Role): HTMLSelectElement {
  const select = h('select', 'mc-Share-role');
  select.id = uniqueId('mc-share-role');
  for (const role of ROLES) {
    const option = h('option', '', roleLabel(role, trans));
    option.value = role;
    select.append(option);
  }
  select.value = value;
  return select;
}

/** A label above its control; a select comes in JupyterLab's wrapper (its caret). */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement, className = ''): HTMLElement {
  const node = h('div', `mc-Share-field ${className}`.trim());
  const labelNode = h('label', 'mc-Share-label', label);
  labelNode.htmlFor = control.id;
  node.append(labelNode, control instanceof HTMLSelectElement ? Styling.wrapSelect(control) : control);
  return node;
}

/** A select without a visible label (in a row that names what it is about), named for screen readers. */
export function namedSelect(select: HTMLSelectElement, name: string): HTMLElement {
  select.setAttribute('aria-label', name);
  return Styling.wrapSelect(select);
}

/** The rows of a section under a heading that names them (for screen readers too), or a word that there are none. */
export class ItemList {
  readonly node = h('div', 'mc-Share-listBlock');

  constructor(title: string, emptyText: string) {
    const heading = h('h4', 'mc-Share-subheading', title);
    heading.id = uniqueId('mc-share-list');
    this._list.setAttribute('aria-labelledby', heading.id);
    this._empty.textContent = emptyText;
    this.node.append(heading, this._list, this._empty);
  }

  set(rows: HTMLElement[]): void {
    this._list.replaceChildren(...rows);
    this._update();
  }

  add(row: HTMLElement): void {
    this._list.prepend(row);
    this._update();
  }

  remove(row: HTMLElement): void {
    row.remove();
    this._update();
  }

  private _update(): void {
    this._empty.hidden = this._list.children.length > 0;
  }

  private readonly _list = h('ul', 'mc-Share-list');
  private readonly _empty = h('p', 'mc-Share-empty');
}

/** Where a section says what went wrong, next to what went wrong; read out when it changes. */
export class InlineError {
  readonly node = h('p', 'mc-Share-error');

  constructor() {
    this.node.id = uniqueId('mc-share-error');
    this.node.setAttribute('role', 'alert');
    this.node.hidden = true;
  }

  show(message: string): void {
    this.node.textContent = message;
    this.node.hidden = false;
  }

  clear(): void {
    this.node.textContent = '';
    this.node.hidden = true;
  }
}

/**
 * Run what a control asked for: its controls are disabled meanwhile (no double submit), the error
 * place is cleared first and shows the message if it fails. True when it succeeded.
 */
export async function attempt(
  controls: (HTMLButtonElement | HTMLInputElement | HTMLSelectElement)[],
  error: InlineError,
  action: () => Promise<unknown>
): Promise<boolean> {
  error.clear();
  const focused = document.activeElement;
  const enabled = controls.filter(control => !control.disabled);
  for (const control of enabled) {
    control.disabled = true;
  }
  try {
    await action();
    return true;
  } catch (reason) {
    error.show(errorMessage(reason));
    return false;
  } finally {
    for (const control of enabled) {
      control.disabled = false;
    }
    // A disabled control loses the focus: give it back, so that a keyboard user stays in place.
    if (focused instanceof HTMLElement && focused.isConnected && document.activeElement === document.body) {
      focused.focus();
    }
  }
}

/**
 * A row's Revoke button, named for whom or what it revokes. While the revocation runs, the row's
 * `controls` are disabled; the server's refusal shows in `error`; `done` runs once it is revoked.
 */
export function revokeButton(
  trans: ITrans,
  accessibleName: string,
  error: InlineError,
  revoke: () => Promise<unknown>,
  done: () => void,
  controls: (HTMLButtonElement | HTMLInputElement | HTMLSelectElement)[] = []
): HTMLButtonElement {
  const node = button(trans.__('Revoke'), 'jp-mod-reject mc-Share-revoke');
  node.setAttribute('aria-label', accessibleName);
  node.addEventListener('click', async () => {
    if (await attempt([node, ...controls], error, revoke)) {
      done();
    }
  });
  return node;
}

/** Put text on the clipboard (the async API where the page may use it, else the selection of `field`). */
export async function copyToClipboard(text: string, field: HTMLInputElement): Promise<boolean> {
  field.select();
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Not a secure context, or no permission: copy the selected field as Ctrl+C would.
    field.focus();
    field.select();
    return document.execCommand('copy');
  }
}
