/**
 * File information: owner, size, when modified, who it is shared with, the lock, the room, the
 * versions (restore one), and the conflict copies next to a notebook (preview their merge into the
 * live notebook, merge, open).
 */

import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { errorMessage } from '../api';
import { button, element, section } from '../dom';
import { formatClock, ITrans } from '../format';
import type { CS3Client, ICellChange, IFileInfo, IMergeConflict, MergeSource } from './client';
import { describeChange, formatBytes, roleLabel, userLabel } from './describe';

export interface IFileInfoActions {
  openFile(path: string): void;
  manageSharing?(path: string): void;
}

function when(iso: string | null | undefined, seconds = false): string {
  return iso ? formatClock(new Date(iso), new Date(), { relative: false, seconds }) : '';
}

/** The cell changes a merge makes, as a list (with the source diffs). */
export class MergePreview extends Widget {
  constructor(changes: ICellChange[], conflicts: IMergeConflict[], trans: ITrans) {
    super();
    this.addClass('mc-MergePreview');
    if (!changes.length) {
      this.node.append(element('p', '', trans.__('The live notebook already has everything in it: merging changes nothing.')));
      return;
    }
    if (conflicts.length) {
      const both = element('div', 'mc-MergePreview-conflicts');
      both.append(
        element(
          'p',
          '',
          trans._n(
            '%1 change was made differently on both sides; nothing is dropped:',
            '%1 changes were made differently on both sides; nothing is dropped:',
            conflicts.length
          )
        )
      );
      const list = element('ul', '');
      for (const conflict of conflicts) {
        list.append(element('li', '', conflict.description));
      }
      both.append(list);
      this.node.append(both);
    }
    const list = element('ol', 'mc-MergePreview-list');
    for (const change of changes) {
      const item = element('li', `mc-MergePreview-change mc-mod-${change.kind}`);
      item.append(element('div', 'mc-MergePreview-what', describeChange(change, trans)));
      const text = change.source_diff || change.source;
      if (text) {
        item.append(element('pre', 'mc-MergePreview-diff', text));
      }
      list.append(item);
    }
    this.node.append(list);
  }
}

/**
 * Preview a merge into the live notebook, and apply it if the user says so. Resolves to true when
 * it was applied.
 */
export async function previewAndMerge(
  client: CS3Client,
  path: string,
  source: MergeSource,
  title: string,
  trans: ITrans
): Promise<boolean> {
  const preview = await client.merge(path, source, false);
  const result = await showDialog({
    title,
    body: new MergePreview(preview.changes, preview.conflicts, trans),
    buttons: preview.changes.length
      ? [Dialog.cancelButton({ label: trans.__('Cancel') }), Dialog.okButton({ label: trans.__('Merge into the live notebook') })]
      : [Dialog.okButton({ label: trans.__('Close') })]
  });
  if (!preview.changes.length || !result.button.accept) {
    return false;
  }
  await client.merge(path, source, true);
  return true;
}

/** The body of the file information dialog. */
export class FileInfoView extends Widget {
  constructor(
    private readonly _client: CS3Client,
    private readonly _path: string,
    private readonly _trans: ITrans,
    private readonly _actions: IFileInfoActions
  ) {
    super();
    this.addClass('mc-FileInfo');
    this._status = element('p', 'mc-FileInfo-status');
    this._status.setAttribute('role', 'status');
    this._status.setAttribute('aria-live', 'polite');
  }

  async refresh(): Promise<void> {
    try {
      this._render(await this._client.info(this._path));
    } catch (error) {
      this._say(errorMessage(error), true);
      this.node.replaceChildren(this._status);
    }
  }

  private _render(info: IFileInfo): void {
    const trans = this._trans;
    const rows: [string, string][] = [
      [trans.__('Owner'), userLabel(info.owner)],
      [trans.__('Modified'), when(info.modified)],
      [
        trans.__('You can'),
        info.permissions.share
          ? trans.__('edit and share')
          : info.permissions.write
            ? trans.__('edit')
            : trans.__('view')
      ]
    ];
    if (info.size !== null && info.type !== 'directory') {
      rows.splice(1, 0, [trans.__('Size'), formatBytes(info.size)]);
    }
    if (info.lock) {
      const holder = info.lock.holder ? userLabel(info.lock.holder) : '';
      const until = info.lock.expires ? when(info.lock.expires) : '';
      rows.push([
        trans.__('Lock'),
        info.lock.meshcollab
          ? trans.__('held by the live room (meshcollab) while it is open')
          : [
              trans.__('held by %1', info.lock.app || trans.__('another application')),
              holder ? trans.__('for %1', holder) : '',
              until ? trans.__('until %1', until) : ''
            ]
              .filter(Boolean)
              .join(' ')
      ]);
    } else {
      rows.push([trans.__('Lock'), trans.__('none')]);
    }
    if (info.type === 'notebook') {
      rows.push([
        trans.__('Live room'),
        info.room.active
          ? trans._n('open, %1 person connected', 'open, %1 people connected', info.room.members)
          : trans.__('not open')
      ]);
    }
    const list = element('dl', 'mc-FileInfo-list');
    for (const [term, value] of rows) {
      list.append(element('dt', '', term), element('dd', '', value));
    }
    const parts: HTMLElement[] = [list, this._shares(info)];
    if (info.type !== 'directory') {
      parts.push(this._versions(info));
    }
    if (info.type === 'notebook') {
      parts.push(this._conflictCopies(info));
    }
    this.node.replaceChildren(...parts, this._status);
  }

  private _shares(info: IFileInfo): HTMLElement {
    const trans = this._trans;
    const shared = section(trans.__('Shared with'), 'mc-FileInfo-shares');
    for (const share of info.shares) {
      shared.list.append(element('li', 'mc-Entry', trans.__('%1 (%2)', userLabel(share.grantee), roleLabel(share.role, trans))));
    }
    for (const share of info.federated) {
      shared.list.append(element('li', 'mc-Entry', trans.__('%1 (%2)', share.recipient, roleLabel(share.role, trans))));
    }
    for (const link of info.links) {
      const extras = [link.password_protected ? trans.__('password') : '', link.expiration ? trans.__('until %1', when(link.expiration)) : '']
        .filter(Boolean)
        .join(', ');
      shared.list.append(
        element('li', 'mc-Entry', trans.__('a public link (%1)%2', roleLabel(link.role, trans), extras ? `, ${extras}` : ''))
      );
    }
    if (!shared.list.childElementCount) {
      shared.list.append(
        element('li', 'mc-Entry-empty', info.permissions.share ? trans.__('no one') : trans.__('only the owner can see who'))
      );
    }
    const manage = this._actions.manageSharing;
    if (manage && info.permissions.share) {
      shared.node.append(button(trans.__('Share…'), () => manage(info.path)));
    }
    return shared.node;
  }

  private _versions(info: IFileInfo): HTMLElement {
    const trans = this._trans;
    const versions = section(trans.__('Versions'), 'mc-FileInfo-versions');
    for (const version of info.versions) {
      const item = element('li', 'mc-Entry');
      item.dataset.version = version.key;
      item.append(
        element('span', 'mc-Entry-name', when(version.modified, true)),
        element('span', 'mc-Entry-detail', formatBytes(version.size))
      );
      if (info.permissions.write) {
        item.append(
          button(trans.__('Restore'), () => void this._restore(info, version.key, when(version.modified, true)), {
            title: trans.__('Make %1 as it was at %2 (the current content is kept as a version)', info.name, when(version.modified, true))
          })
        );
      }
      versions.list.append(item);
    }
    if (!info.versions.length) {
      versions.list.append(element('li', 'mc-Entry-empty', trans.__('no earlier versions')));
    }
    return versions.node;
  }

  private _conflictCopies(info: IFileInfo): HTMLElement {
    const trans = this._trans;
    const copies = section(trans.__('Conflict copies'), 'mc-FileInfo-conflicts');
    for (const copy of info.conflict_copies) {
      const item = element('li', 'mc-Entry');
      item.dataset.path = copy.path;
      item.append(
        element('span', 'mc-Entry-name', trans.__('by %1, %2', copy.user, when(copy.created))),
        button(trans.__('Open'), () => this._actions.openFile(copy.path))
      );
      if (info.permissions.write) {
        item.append(
          button(trans.__('Preview merge…'), () => void this._merge(info, copy.path), {
            accept: true,
            title: trans.__('See what merging %1 into the live notebook would change', copy.path)
          })
        );
      }
      copies.list.append(item);
    }
    if (!info.conflict_copies.length) {
      copies.list.append(element('li', 'mc-Entry-empty', trans.__('none')));
    }
    return copies.node;
  }

  private async _restore(info: IFileInfo, key: string, label: string): Promise<void> {
    const trans = this._trans;
    const answer = await showDialog({
      title: trans.__('Restore %1?', info.name),
      body: info.room.active
        ? trans.__('Everyone in the live notebook will see it as it was at %1. The current content is kept as a version.', label)
        : trans.__('%1 becomes as it was at %2. The current content is kept as a version.', info.name, label),
      buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), Dialog.warnButton({ label: trans.__('Restore') })]
    });
    if (answer.button.accept) {
      await this._run(() => this._client.restoreVersion(info.path, key), trans.__('Restored the version of %1.', label));
    }
  }

  private async _merge(info: IFileInfo, copy: string): Promise<void> {
    const trans = this._trans;
    await this._run(async () => {
      const merged = await previewAndMerge(this._client, info.path, { conflict_copy: copy }, trans.__('Merge %1 into %2', copy, info.name), trans);
      return merged ? undefined : null;
    }, trans.__('Merged %1 into the live notebook.', copy));
  }

  /** Run an action and say how it went; null from it means the user cancelled. */
  private async _run(action: () => Promise<unknown>, done: string): Promise<void> {
    try {
      if ((await action()) === null) {
        return;
      }
      await this.refresh();
      this._say(done, false);
    } catch (error) {
      this._say(errorMessage(error), true);
    }
  }

  private _say(text: string, failed: boolean): void {
    this._status.textContent = text;
    this._status.classList.toggle('mc-mod-error', failed);
  }

  private _status: HTMLElement;
}
