/**
 * meshcollab's JupyterLab extension: the room status of every collaborative notebook, and the CS3
 * panel (src/panel/).
 */

import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { ICollaborativeContentProvider } from '@jupyter/collaborative-drive';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import {
  INotebookModel,
  INotebookTracker,
  NotebookPanel
} from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { RoomStatusModel } from './model';
import { installRoomSocketRecorder } from './roomsocket';
import { describeDocumentEvent, IFormatOptions } from './format';
import { panelPlugin, PanelCommandIDs } from './panel/plugin';
import { ReadOnlyBanner, RoomDetails, RoomStatusItem } from './widgets';
import { sharingPlugin } from './sharing';

const PLUGIN_ID = 'meshcollab:plugin';

export namespace CommandIDs {
  export const showRoomStatus = 'meshcollab:show-room-status';
  export const toggleRelativeTimes = 'meshcollab:toggle-relative-times';
}

interface ISettings {
  showRoomStatus: boolean;
  relativeTimes: boolean;
  maxAvatars: number;
}

const DEFAULTS: ISettings = {
  showRoomStatus: true,
  relativeTimes: true,
  maxAvatars: 5
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Room status on collaborative notebooks: who is here, saved to CS3, locks, read-only, offline edits.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [
    ICollaborativeContentProvider,
    ISettingRegistry,
    ITranslator,
    ICommandPalette
  ],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    drive: ICollaborativeContentProvider | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ) => {
    const trans = (translator ?? nullTranslator).load('meshcollab');
    if (!drive) {
      console.warn(
        'meshcollab: no collaborative drive (is jupyter-collaboration installed?); room status is off'
      );
    }
    if (!installRoomSocketRecorder(app.serviceManager.serverSettings as any)) {
      console.warn(
        'meshcollab: cannot observe room sockets from their start; the status shows from the next notice'
      );
    }

    const settings: ISettings = { ...DEFAULTS };
    const views = new Set<{ model: RoomStatusModel; items: RoomStatusItem[] }>();
    const models = new WeakMap<NotebookPanel, RoomStatusModel>();
    const format = (): IFormatOptions => ({ relative: settings.relativeTimes });
    const updateAll = () => {
      for (const view of views) {
        for (const item of view.items) {
          item.setHidden(!settings.showRoomStatus);
          item.update();
        }
      }
    };

    const showDetails = async (panel: NotebookPanel | null) => {
      const model = panel ? models.get(panel) : undefined;
      if (!panel || !model) {
        return;
      }
      const details = new RoomDetails(model, {
        trans,
        format,
        maxAvatars: () => settings.maxAvatars,
        openDetails: () => undefined
      });
      const infoButton = Dialog.createButton({
        label: trans.__('File information…'),
        caption: trans.__('Versions, shares and conflict copies of %1', panel.context.localPath)
      });
      const result = await showDialog({
        title: trans.__('Room of %1', panel.context.localPath),
        body: details,
        buttons: [infoButton, Dialog.okButton({ label: trans.__('Close') })]
      });
      details.dispose();
      if (result.button.label === infoButton.label && app.commands.hasCommand(PanelCommandIDs.fileInfo)) {
        await app.commands.execute(PanelCommandIDs.fileInfo, { path: panel.context.localPath });
      }
    };

    const extension: DocumentRegistry.IWidgetExtension<
      NotebookPanel,
      INotebookModel
    > = {
      createNew: (panel, context): IDisposable => {
        if (!drive || !context.model.collaborative) {
          return new DisposableDelegate(() => undefined);
        }
        const model = new RoomStatusModel(
          context,
          drive,
          path => app.serviceManager.contents.localPath(path),
          app.serviceManager.serverSettings
        );
        model.recovered.connect((_, answer) => {
          if (answer instanceof Error) {
            Notification.error(
              trans.__(
                'The room of %1 lost its history and your edits could not be sent to it: %2. Keep this tab open and save a copy (File → Save Notebook As…) before reloading.',
                context.localPath,
                answer.message
              ),
              { autoClose: false }
            );
            return;
          }
          const conflicts = answer.conflicts?.length ?? 0;
          Notification.success(
            conflicts
              ? trans._n(
                  'Your edits to %2 were merged into the room with %1 conflict (marked in the cell). Reload to continue.',
                  'Your edits to %2 were merged into the room with %1 conflicts (marked in the cells). Reload to continue.',
                  conflicts,
                  context.localPath
                )
              : trans.__(
                  'Your edits to %1 were merged into the room. Reload to continue.',
                  context.localPath
                ),
            { autoClose: false }
          );
        });
        model.noticeReceived.connect((_, notice) => {
          const me = app.serviceManager.user.identity?.username ?? '';
          const text = describeDocumentEvent(notice, me, new Date(), trans, format());
          if (text) {
            Notification.info(`${context.localPath}: ${text}`, { autoClose: 10000 });
          }
        });
        models.set(panel, model);
        const item = new RoomStatusItem(model, {
          trans,
          format,
          maxAvatars: () => settings.maxAvatars,
          openDetails: () => void showDetails(panel)
        });
        item.id = `mc-room-status-${panel.id}`;
        item.setHidden(!settings.showRoomStatus);
        panel.toolbar.insertBefore('spacer', 'meshcollab-room-status', item) ||
          panel.toolbar.addItem('meshcollab-room-status', item);
        const banner = new ReadOnlyBanner(model, trans);
        panel.contentHeader.addWidget(banner);
        // A viewer's typing is dropped by the room: do not let the editors take it in the first place.
        const applyReadOnly = () => {
          if (model.status.readOnly) {
            for (const cell of panel.content.widgets) {
              cell.readOnly = true;
            }
          }
        };
        model.changed.connect(applyReadOnly);
        panel.content.model?.cells.changed.connect(() => requestAnimationFrame(applyReadOnly));
        // A viewer has nothing to save: the room drops their changes, so no unsaved marker either.
        context.model.stateChanged.connect((_, change) => {
          if (change.name === 'dirty' && change.newValue && model.status.readOnly) {
            context.model.dirty = false;
          }
        });
        applyReadOnly();
        const view = { model, items: [item] };
        views.add(view);
        return new DisposableDelegate(() => {
          views.delete(view);
          item.dispose();
          banner.dispose();
          model.dispose();
        });
      }
    };
    app.docRegistry.addWidgetExtension('Notebook', extension);

    const current = (): NotebookPanel | null => {
      const panel = tracker.currentWidget;
      return panel && models.has(panel) ? panel : null;
    };
    app.commands.addCommand(CommandIDs.showRoomStatus, {
      label: trans.__('Show Room Status'),
      caption: trans.__(
        'Who is in this notebook, whether it is saved to CS3, who holds the lock'
      ),
      isEnabled: () => current() !== null,
      execute: () => showDetails(current())
    });
    app.commands.addCommand(CommandIDs.toggleRelativeTimes, {
      label: trans.__('Show Relative Save Times'),
      isToggled: () => settings.relativeTimes,
      execute: async () => {
        if (settingRegistry) {
          await settingRegistry.set(PLUGIN_ID, 'relativeTimes', !settings.relativeTimes);
        } else {
          settings.relativeTimes = !settings.relativeTimes;
          updateAll();
        }
      }
    });
    if (palette) {
      const category = trans.__('Collaboration');
      palette.addItem({ command: CommandIDs.showRoomStatus, category });
      palette.addItem({ command: CommandIDs.toggleRelativeTimes, category });
    }

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          const read = () => {
            const composite = loaded.composite as Partial<ISettings>;
            settings.showRoomStatus = composite.showRoomStatus ?? DEFAULTS.showRoomStatus;
            settings.relativeTimes = composite.relativeTimes ?? DEFAULTS.relativeTimes;
            settings.maxAvatars = composite.maxAvatars ?? DEFAULTS.maxAvatars;
            updateAll();
            app.commands.notifyCommandChanged(CommandIDs.toggleRelativeTimes);
          };
          read();
          loaded.changed.connect(read);
        })
        .catch(reason => console.error('meshcollab: cannot load settings', reason));
    }
  }
};

export default [plugin, panelPlugin, sharingPlugin];
