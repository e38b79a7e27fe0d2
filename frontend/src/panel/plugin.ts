/**
 * The CS3 panel plugin: the side panel (My files, Shares, Projects, quota, user) and the file
 * information of any file (context menu, palette, the room status details).
 */

import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IFileBrowserFactory, Uploader } from '@jupyterlab/filebrowser';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  infoIcon,
  newFolderIcon,
  notebookIcon,
  refreshIcon,
  ToolbarButton
} from '@jupyterlab/ui-components';
import { cs3Icon } from '../icons';
import { CS3Client } from './client';
import { FileInfoView } from './info';
import { CS3Panel } from './panel';

export namespace PanelCommandIDs {
  export const openPanel = 'meshcollab:open-cs3-panel';
  export const fileInfo = 'meshcollab:file-info';
  export const refreshShares = 'meshcollab:refresh-shares';
}

/** The share dialog's command (the sharing plugin); the panel offers it when it exists. */
const SHARE_COMMAND = 'meshcollab:share';

export const panelPlugin: JupyterFrontEndPlugin<void> = {
  id: 'meshcollab:cs3-panel',
  description: 'A CS3 side panel (my files, shares, projects, quota) and file information with versions and conflict copies.',
  autoStart: true,
  requires: [IFileBrowserFactory, IDocumentManager],
  optional: [ITranslator, ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    factory: IFileBrowserFactory,
    docManager: IDocumentManager,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const trans = (translator ?? nullTranslator).load('meshcollab');
    const client = new CS3Client(app.serviceManager.serverSettings);
    const { commands } = app;
    const manageSharing = (path: string) => {
      if (commands.hasCommand(SHARE_COMMAND)) {
        void commands.execute(SHARE_COMMAND, { path });
      }
    };
    const openFile = (path: string) => void docManager.openOrReveal(path);

    const browser = factory.createFileBrowser('meshcollab-cs3-files');
    browser.node.setAttribute('aria-label', trans.__('My files'));
    const cwd = () => browser.model.path;
    browser.toolbar.addItem(
      'new-notebook',
      new ToolbarButton({
        icon: notebookIcon,
        tooltip: trans.__('New notebook in this folder'),
        // With the default kernel, as the launcher does (no "Select Kernel" question first).
        onClick: () =>
          void commands.execute('notebook:create-new', {
            cwd: cwd(),
            kernelName: app.serviceManager.kernelspecs.specs?.default ?? ''
          })
      })
    );
    browser.toolbar.addItem(
      'new-folder',
      new ToolbarButton({
        icon: newFolderIcon,
        tooltip: trans.__('New folder'),
        onClick: () => void browser.createNewDirectory()
      })
    );
    browser.toolbar.addItem('upload', new Uploader({ model: browser.model, translator: translator ?? undefined }));
    browser.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Refresh'),
        onClick: () => void browser.model.refresh()
      })
    );

    const panel = new CS3Panel({
      browser,
      client,
      user: app.serviceManager.user,
      trans,
      openFile,
      manageSharing,
      isDirectory: async path => (await app.serviceManager.contents.get(path, { content: false })).type === 'directory'
    });
    panel.title.icon = cs3Icon;
    panel.title.caption = trans.__('CS3 files: my files, shares, projects');
    app.shell.add(panel, 'left', { rank: 150 });
    restorer?.add(panel, 'meshcollab-cs3-panel');

    const infoWidgets = new Map<string, MainAreaWidget<FileInfoView>>();
    const showInfo = async (path: string) => {
      const open = infoWidgets.get(path);
      if (open && !open.isDisposed) {
        app.shell.activateById(open.id);
        await open.content.refresh();
        return;
      }
      const view = new FileInfoView(client, path, trans, { openFile, manageSharing });
      const widget = new MainAreaWidget({ content: view });
      widget.id = `meshcollab-info-${Math.random().toString(36).slice(2, 10)}`;
      widget.title.label = trans.__('Info: %1', path.split('/').pop() || path);
      widget.title.caption = path;
      widget.title.icon = infoIcon;
      widget.title.closable = true;
      widget.toolbar.addItem(
        'refresh',
        new ToolbarButton({ icon: refreshIcon, tooltip: trans.__('Refresh'), onClick: () => void view.refresh() })
      );
      infoWidgets.set(path, widget);
      widget.disposed.connect(() => infoWidgets.delete(path));
      app.shell.add(widget, 'main', { mode: 'split-right' });
      await view.refresh();
    };

    /** The path a command acts on: its argument, the file browser's selection, or the current document. */
    const targetPath = (args: any): string | null => {
      if (typeof args?.path === 'string') {
        return args.path;
      }
      const selected = factory.tracker.currentWidget?.selectedItems().next();
      if (selected && !selected.done && app.contextMenuHitTest(node => node.classList.contains('jp-DirListing-item'))) {
        return selected.value.path;
      }
      const current = app.shell.currentWidget;
      return current ? docManager.contextForWidget(current)?.localPath ?? null : null;
    };

    commands.addCommand(PanelCommandIDs.fileInfo, {
      label: trans.__('File Information'),
      caption: trans.__('Owner, size, shares, lock, versions and conflict copies'),
      icon: infoIcon,
      isEnabled: () => targetPath({}) !== null,
      execute: args => {
        const path = targetPath(args);
        return path === null ? undefined : showInfo(path);
      }
    });
    commands.addCommand(PanelCommandIDs.openPanel, {
      label: trans.__('Show CS3 Files'),
      execute: args => {
        app.shell.activateById(panel.id);
        if (args?.tab === 'shares' || args?.tab === 'projects' || args?.tab === 'files') {
          panel.showTab(args.tab);
        }
      }
    });
    commands.addCommand(PanelCommandIDs.refreshShares, {
      label: trans.__('Refresh Shares'),
      execute: () => panel.shares.refresh()
    });
    app.contextMenu.addItem({ command: PanelCommandIDs.fileInfo, selector: '.jp-DirListing-item[data-isdir]', rank: 12 });
    if (palette) {
      const category = trans.__('CS3');
      for (const command of [PanelCommandIDs.openPanel, PanelCommandIDs.fileInfo, PanelCommandIDs.refreshShares]) {
        palette.addItem({ command, category });
      }
    }
  }
};
