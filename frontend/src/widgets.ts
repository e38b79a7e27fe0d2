/** The room status as widgets: a toolbar item, a read-only banner and the details of a room. */

import { Widget } from '@lumino/widgets';
import { lockIcon, offlineBoltIcon, saveIcon, usersIcon, errorIcon } from '@jupyterlab/ui-components';
import { element, icon } from './dom';
import { RoomStatusModel } from './model';
import {
  IFormatOptions,
  ITrans,
  describeConnection,
  describeHolder,
  describeSave,
  formatWhen
} from './format';

export interface IViewOptions {
  trans: ITrans;
  format: () => IFormatOptions;
  maxAvatars: () => number;
  /** Open the details (the command `meshcollab:show-room-status`). */
  openDetails: () => void;
}

/**
 * The toolbar item: avatars of who is here, the save state and the connection. One button: its
 * accessible name says everything; Enter or Space opens the details.
 */
export class RoomStatusItem extends Widget {
  constructor(
    private readonly _model: RoomStatusModel,
    private readonly _options: IViewOptions
  ) {
    super({ node: document.createElement('div') });
    this.addClass('mc-RoomStatus');
    this._button = element('button', 'mc-RoomStatus-button jp-ToolbarButtonComponent');
    this._button.type = 'button';
    this._button.addEventListener('click', () => this._options.openDetails());
    this._live = element('span', 'mc-RoomStatus-live');
    this._live.setAttribute('role', 'status');
    this._live.setAttribute('aria-live', 'polite');
    this.node.append(this._button, this._live);
    _model.changed.connect(this.update, this);
    // Relative times ("2 min ago") age.
    this._tick = window.setInterval(() => this.update(), 15000);
    this.update();
  }

  dispose(): void {
    window.clearInterval(this._tick);
    super.dispose();
  }

  protected onUpdateRequest(): void {
    const { trans } = this._options;
    const status = this._model.status;
    const now = new Date();
    const save = describeSave(status, now, trans, this._options.format());
    const connection = describeConnection(status, trans);
    const people = this._model.people;

    const button = this._button;
    button.replaceChildren();
    const avatars = element('span', 'mc-RoomStatus-people');
    const max = Math.max(1, this._options.maxAvatars());
    for (const person of people.slice(0, max)) {
      const avatar = element('span', 'mc-RoomStatus-avatar', person.initials);
      avatar.style.backgroundColor = person.color;
      avatar.title = person.isSelf ? trans.__('%1 (you)', person.name) : person.name;
      avatars.append(avatar);
    }
    if (people.length > max) {
      avatars.append(element('span', 'mc-RoomStatus-more', `+${people.length - max}`));
    }
    if (people.length === 0) {
      avatars.append(icon(usersIcon));
    }
    button.append(avatars);

    const saveNode = element('span', `mc-RoomStatus-save mc-mod-${save.severity}`);
    const saveIconOf = save.severity === 'error' ? errorIcon : status.save.kind === 'saved' ? lockIcon : saveIcon;
    saveNode.append(icon(saveIconOf), element('span', 'mc-RoomStatus-saveLabel', save.label));
    button.append(saveNode);

    if (connection) {
      const offline = element('span', 'mc-RoomStatus-offline');
      offline.append(icon(offlineBoltIcon), element('span', '', connection));
      button.append(offline);
    }

    const names = people.map(p => (p.isSelf ? trans.__('%1 (you)', p.name) : p.name));
    const here = names.length
      ? trans._n('%2 is here.', '%1 people are here: %2.', names.length, names.join(', '))
      : trans.__('No one else is here yet.');
    const sentence = [here, save.detail, connection ? connection + '.' : '']
      .filter(Boolean)
      .join(' ');
    button.title = sentence + ' ' + trans.__('Click for details.');
    button.setAttribute('aria-label', trans.__('Room status: %1', sentence));
    this.node.dataset.save = status.save.kind;
    this.node.dataset.connection = status.connection;
    this.node.dataset.pending = String(status.pendingEdits);
    this.node.dataset.synced = String(status.synced);
    // Screen readers hear changes of state, not every clock tick.
    const spoken = `${save.label}${connection ? '. ' + connection : ''}`;
    if (spoken !== this._spoken) {
      this._spoken = spoken;
      this._live.textContent = spoken;
    }
  }

  private _button: HTMLButtonElement;
  private _live: HTMLElement;
  private _spoken = '';
  private _tick: number;
}

/** Above the notebook, for viewers: they may look, their typing changes nothing. */
export class ReadOnlyBanner extends Widget {
  constructor(
    private readonly _model: RoomStatusModel,
    private readonly _trans: ITrans
  ) {
    super();
    this.addClass('mc-ReadOnlyBanner');
    this.node.setAttribute('role', 'status');
    _model.changed.connect(this.update, this);
    this.update();
  }

  protected onUpdateRequest(): void {
    const status = this._model.status;
    this.setHidden(!status.readOnly);
    this.node.replaceChildren(
      icon(lockIcon),
      element(
        'span',
        'mc-ReadOnlyBanner-text',
        status.readOnlyMessage ||
          this._trans.__(
            'You can view this notebook but not edit it: your changes are not saved and not shown to others.'
          )
      )
    );
  }
}

/** The details of a room, shown in a dialog. */
export class RoomDetails extends Widget {
  constructor(
    private readonly _model: RoomStatusModel,
    private readonly _options: IViewOptions
  ) {
    super();
    this.addClass('mc-RoomDetails');
    _model.changed.connect(this.update, this);
    this.update();
  }

  protected onUpdateRequest(): void {
    const { trans } = this._options;
    const format = this._options.format();
    const status = this._model.status;
    const now = new Date();
    const save = describeSave(status, now, trans, format);
    const rows: [string, string][] = [];

    const people = this._model.people
      .map(p => {
        const you = p.isSelf ? trans.__('%1 (you)', p.name) : p.name;
        return p.connections > 1 ? trans.__('%1 in %2 windows', you, p.connections) : you;
      })
      .join(', ');
    rows.push([trans.__('Here now'), people || trans.__('no one')]);
    rows.push([trans.__('Saving to CS3'), save.detail]);
    if (status.save.kind === 'saved') {
      rows.push([
        trans.__('Lock'),
        status.save.advisoryLock
          ? trans.__('advisory lock by meshcollab (the storage has no file locks)')
          : trans.__('held by meshcollab')
      ]);
    } else if (status.save.kind === 'blocked' && status.save.holder) {
      rows.push([trans.__('Lock'), describeHolder(status.save.holder, now, trans, format)]);
    }
    if (status.lastSavedAt) {
      rows.push([trans.__('Last saved'), formatWhen(status.lastSavedAt, now, trans, { ...format, relative: false })]);
    }
    rows.push([trans.__('Access'), status.readOnly ? trans.__('read-only') : trans.__('can edit')]);
    rows.push([
      trans.__('Connection'),
      describeConnection(status, trans) ?? trans.__('online, everything synced')
    ]);
    for (const copy of status.conflictCopies) {
      rows.push([trans.__('Conflict copy'), copy]);
    }

    const list = element('dl', 'mc-RoomDetails-list');
    for (const [term, value] of rows) {
      list.append(element('dt', '', term), element('dd', '', value));
    }
    this.node.replaceChildren(list);
  }
}
