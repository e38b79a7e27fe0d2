/** Small DOM builders shared by the widgets (plain DOM, in JupyterLab's look through its CSS variables). */

import { LabIcon } from '@jupyterlab/ui-components';

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** A decorative icon (hidden from screen readers: the text next to it says the same). */
export function icon(labIcon: LabIcon, className = 'mc-RoomStatus-icon'): HTMLElement {
  const node = element('span', className);
  labIcon.element({ container: node, tag: 'span', elementSize: 'small' } as any);
  node.setAttribute('aria-hidden', 'true');
  return node;
}

/** A button in JupyterLab's style; `label` is its visible text and accessible name. */
export function button(
  label: string,
  onClick: () => void,
  options: { accept?: boolean; warn?: boolean; title?: string } = {}
): HTMLButtonElement {
  const mod = options.warn ? 'jp-mod-warn' : options.accept ? 'jp-mod-accept' : 'jp-mod-reject';
  const node = element('button', `jp-Button jp-mod-styled jp-mod-small ${mod} mc-Button`, label);
  node.type = 'button';
  if (options.title) {
    node.title = options.title;
  }
  node.addEventListener('click', event => {
    event.stopPropagation();
    onClick();
  });
  return node;
}

/** A small heading and the list that follows it, for the sections of the panel and the dialogs. */
export function section(title: string, className: string): { node: HTMLElement; list: HTMLUListElement } {
  const node = element('section', `mc-Section ${className}`);
  const heading = element('h3', 'mc-Section-title', title);
  const id = `mc-section-${Math.random().toString(36).slice(2, 10)}`;
  heading.id = id;
  const list = element('ul', 'mc-Section-list');
  list.setAttribute('aria-labelledby', id);
  node.append(heading, list);
  return { node, list };
}
