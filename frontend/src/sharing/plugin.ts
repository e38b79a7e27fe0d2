/**
 * The share command (`meshcollab:share`): in the file browser's context menu, in the toolbar of
 * collaborative notebooks and in the command palette (for the current document). Link guests cannot
 * share: the server says so in the page config, and none of these show for them.
 */

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { DocumentRegistry, DocumentWidget } from '@jupyterlab/docregistry';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { ToolbarButton, shareIcon } from '@jupyterlab/ui-components';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { openShareDialog } from './dialog';

export const SHARE_COMMAND = 'meshcollab:share';

export const sharingPlugin: JupyterFrontEndPlugin<void> = {
  id: 'meshcollab:sharing',
  description: 'Share a file or folder with people, with people at other institutions (OCM), or by public link.',
  autoStart: true,
  optional: [IDefaultFileBrowser, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    browser: IDefaultFileBrowser | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ) => {
    // "false" for a link guest (meshcollab/auth/page_config.py).
    if (PageConfig.getOption('meshcollabMayShare') === 'false') {
      return;
    }
    const trans = (translator ?? nullTranslator).load('meshcollab');
    const contents = app.serviceManager.contents;

    /** The path to share: given, else the file browser's selection (context menu), else the current document. */
    const target = (args: Record<string, unknown>): string | null => {
      if (typeof args.path === 'string') {
        return contents.localPath(args.path);
      }
      if (args.from === 'filebrowser' && browser) {
        const selected = browser.selectedItems().next();
        if (selected && !selected.done) {
          return contents.localPath(selected.value.path);
        }
        return null;
      }
      const widget = app.shell.currentWidget;
      return widget instanceof DocumentWidget ? contents.localPath(widget.context.path) : null;
    };

    app.commands.addCommand(SHARE_COMMAND, {
      label: args => (args.from === 'filebrowser' ? trans.__('Share…') : trans.__('Share Document…')),
      caption: trans.__('Share with people, with other institutions, or by link'),
      icon: args => (args.from === 'palette' ? undefined : shareIcon),
      isEnabled: args => target(args) !== null,
      execute: async args => {
        const path = target(args);
        if (path !== null) {
          await openShareDialog(app.serviceManager.serverSettings, trans, path);
        }
      }
    });

    app.contextMenu.addItem({
      command: SHARE_COMMAND,
      args: { from: 'filebrowser' },
      selector: '.jp-DirListing-item[data-isdir]',
      rank: 3
    });
    palette?.addItem({ command: SHARE_COMMAND, args: { from: 'palette' }, category: trans.__('Collaboration') });

    const toolbar: DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> = {
      createNew: (panel, context): IDisposable => {
        if (!context.model.collaborative) {
          return new DisposableDelegate(() => undefined);
        }
        const item = new ToolbarButton({
          icon: shareIcon,
          label: trans.__('Share'),
          tooltip: trans.__('Share this notebook with people, with other institutions, or by link'),
          onClick: () => void openShareDialog(app.serviceManager.serverSettings, trans, contents.localPath(context.path))
        });
        panel.toolbar.insertAfter('spacer', 'meshcollab-share', item) || panel.toolbar.addItem('meshcollab-share', item);
        return new DisposableDelegate(() => item.dispose());
      }
    };
    app.docRegistry.addWidgetExtension('Notebook', toolbar);
  }
};
