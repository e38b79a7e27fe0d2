/** The share dialog of a file or folder: people here, people at other institutions, public links. */

import { Dialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';
import type { ITrans } from '../format';
import { SharingClient } from './client';
import { element as h } from '../dom';
import { FederatedSection } from './federated';
import { LinksSection } from './links';
import { PeopleSection } from './people';
import { SharingSection } from './section';

export class ShareDialogBody extends Widget {
  constructor(client: SharingClient, path: string, trans: ITrans) {
    super();
    this.addClass('mc-ShareDialog');
    const announce = (text: string) => {
      // Re-set, so that the same words twice are read twice.
      this._live.textContent = '';
      requestAnimationFrame(() => (this._live.textContent = text));
    };
    this._live.setAttribute('role', 'status');
    const context = { client, path, trans, announce };
    this._sections = [new PeopleSection(context), new FederatedSection(context), new LinksSection(context)];
    this.node.append(...this._sections.map(section => section.node), this._live);
  }

  /** Load what is shared already; each part shows its own error. */
  async load(): Promise<void> {
    await Promise.all(this._sections.map(section => section.load()));
  }

  dispose(): void {
    for (const section of this._sections) {
      section.dispose();
    }
    super.dispose();
  }

  private readonly _live = h('p', 'jp-sr-only');
  private readonly _sections: SharingSection<unknown>[];
}

/**
 * Open the share dialog of the file or folder at `path` (a Jupyter path, without a drive prefix).
 * Resolves when the dialog is closed.
 */
export async function openShareDialog(
  settings: ServerConnection.ISettings,
  trans: ITrans,
  path: string
): Promise<void> {
  const body = new ShareDialogBody(new SharingClient(settings), path, trans);
  const dialog = new Dialog({
    title: trans.__('Share %1', PathExt.basename(path) || path),
    body,
    buttons: [Dialog.okButton({ label: trans.__('Done') })],
    // Enter belongs to the fields (pick a person, share): it must not close the dialog.
    defaultButton: -1,
    focusNodeSelector: '.mc-UserPicker input',
    hasClose: true
  });
  dialog.addClass('mc-ShareDialog-window');
  void body.load();
  try {
    await dialog.launch();
  } finally {
    dialog.dispose();
  }
}
