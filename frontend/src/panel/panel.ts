/** The CS3 side panel: who is signed in, the quota, and My files / Shares / Projects. */

import { FileBrowser } from '@jupyterlab/filebrowser';
import { User } from '@jupyterlab/services';
import { Panel, TabPanel, Widget } from '@lumino/widgets';
import type { ITrans } from '../format';
import { element } from '../dom';
import type { CS3Client } from './client';
import { describeQuota } from './describe';
import { IPanelActions, ProjectsView, SharesView } from './views';

/** The signed-in user and how full their storage is. */
class AccountHeader extends Widget {
  constructor(
    private readonly _client: CS3Client,
    private readonly _user: User.IManager,
    private readonly _trans: ITrans
  ) {
    super();
    this.addClass('mc-AccountHeader');
    this._name = element('div', 'mc-AccountHeader-user');
    this._bar = element('div', 'mc-Quota');
    this._bar.setAttribute('role', 'meter');
    this._bar.setAttribute('aria-valuemin', '0');
    this._bar.setAttribute('aria-valuemax', '100');
    this._fill = element('div', 'mc-Quota-fill');
    this._bar.append(this._fill);
    this._text = element('div', 'mc-Quota-text');
    this.node.append(this._name, this._bar, this._text);
    _user.userChanged.connect(this._showUser, this);
    void _user.ready.then(() => this._showUser());
  }

  /** Ask the server for the quota of the space holding `path` (a project's, or the home's). */
  async refreshQuota(path = ''): Promise<void> {
    try {
      const view = describeQuota(await this._client.quota(path), this._trans);
      this._bar.hidden = view.percent === null;
      this._bar.dataset.level = view.level;
      this._fill.style.width = `${view.percent ?? 0}%`;
      this._bar.setAttribute('aria-valuenow', String(view.percent ?? 0));
      this._bar.setAttribute('aria-valuetext', view.text);
      this._text.textContent = view.text;
    } catch {
      // The quota is a hint: a gateway that does not answer it leaves it out.
      this._bar.hidden = true;
      this._text.textContent = '';
    }
  }

  private _showUser(): void {
    const identity = this._user.identity;
    if (identity) {
      this._name.textContent = this._trans.__('Signed in as %1', identity.display_name || identity.username);
      this._name.title = identity.username;
    }
  }

  private _name: HTMLElement;
  private _bar: HTMLElement;
  private _fill: HTMLElement;
  private _text: HTMLElement;
}

export interface ICS3PanelOptions {
  browser: FileBrowser;
  client: CS3Client;
  user: User.IManager;
  trans: ITrans;
  /** Open a file (the document manager's `openOrReveal`). */
  openFile(path: string): void;
  manageSharing?(path: string): void;
  /** Is this path a folder? (a contents request) */
  isDirectory(path: string): Promise<boolean>;
}

export class CS3Panel extends Panel {
  constructor(private readonly _options: ICS3PanelOptions) {
    super();
    this.id = 'meshcollab-cs3-panel';
    this.addClass('mc-CS3Panel');
    const { browser, client, trans } = _options;
    const actions: IPanelActions = {
      openPath: path => void this.openPath(path),
      manageSharing: _options.manageSharing
    };
    this._header = new AccountHeader(client, _options.user, trans);
    this.shares = new SharesView(client, trans, actions);
    this.projects = new ProjectsView(client, trans, actions);
    browser.title.label = trans.__('My files');
    this.shares.title.label = trans.__('Shares');
    this.projects.title.label = trans.__('Projects');
    this.shares.pendingChanged.connect((_, count) => {
      this.shares.title.label = count ? trans.__('Shares (%1)', count) : trans.__('Shares');
      this.shares.title.caption = count
        ? trans._n('%1 share is waiting for your answer', '%1 shares are waiting for your answer', count)
        : '';
    });
    this._tabs = new TabPanel();
    this._tabs.addClass('mc-CS3Panel-tabs');
    this._tabs.addWidget(browser);
    this._tabs.addWidget(this.shares);
    this._tabs.addWidget(this.projects);
    this.addWidget(this._header);
    this.addWidget(this._tabs);

    let timer = 0;
    const quotaSoon = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void this._header.refreshQuota(browser.model.path), 500);
    };
    browser.model.fileChanged.connect(quotaSoon);
    browser.model.pathChanged.connect(quotaSoon);
    void this._header.refreshQuota();
    // Shares answered elsewhere (another tab, CERNBox) show when the user comes back to the tab.
    void this.shares.refresh();
  }

  readonly shares: SharesView;
  readonly projects: ProjectsView;

  /** Show a folder in My files, or open a file. */
  async openPath(path: string): Promise<void> {
    const { browser } = this._options;
    if (await this._options.isDirectory(path)) {
      this._tabs.currentWidget = browser;
      await browser.model.cd('/' + path);
    } else {
      this._options.openFile(path);
    }
  }

  /** Show a tab: "files", "shares" or "projects". */
  showTab(name: 'files' | 'shares' | 'projects'): void {
    this._tabs.currentWidget = name === 'files' ? this._options.browser : name === 'shares' ? this.shares : this.projects;
  }

  private _header: AccountHeader;
  private _tabs: TabPanel;
}
