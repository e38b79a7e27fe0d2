/** The Shares and Projects tabs of the CS3 panel. */

import { Widget } from '@lumino/widgets';
import { Signal, ISignal } from '@lumino/signaling';
import type { ITrans } from '../format';
import { errorMessage } from '../api';
import { button, element, section } from '../dom';
import type { CS3Client, IReceivedFederatedShare, ISpace } from './client';
import { describeQuota, groupByPath, nameOf, roleLabel, sortReceived, userLabel } from './describe';

/** What the tabs ask of the panel. */
export interface IPanelActions {
  /** Show a folder in My files, or open a file. */
  openPath(path: string): void;
  /** The share dialog of a path (the command `meshcollab:share`), if it is available. */
  manageSharing?(path: string): void;
}

/** A view that loads from the server, shows what it got, and says what went wrong if it failed. */
abstract class LoadingView extends Widget {
  constructor(
    protected readonly client: CS3Client,
    protected readonly trans: ITrans,
    protected readonly actions: IPanelActions
  ) {
    super();
    this.addClass('mc-PanelView');
    this.node.setAttribute('aria-busy', 'false');
  }

  /** Load again and render; failures are shown in the view with a way to retry. */
  async refresh(): Promise<void> {
    this.node.setAttribute('aria-busy', 'true');
    try {
      this.node.replaceChildren(...(await this.render()));
    } catch (error) {
      const message = element('p', 'mc-PanelView-error', errorMessage(error));
      message.setAttribute('role', 'alert');
      this.node.replaceChildren(message, button(this.trans.__('Try again'), () => void this.refresh()));
    } finally {
      this.node.setAttribute('aria-busy', 'false');
    }
  }

  protected onAfterShow(): void {
    void this.refresh();
  }

  protected abstract render(): Promise<HTMLElement[]>;

  /** Run a change, then show the new state; a failure is reported in the view. */
  protected async act(change: () => Promise<unknown>): Promise<void> {
    try {
      await change();
    } catch (error) {
      const message = element('p', 'mc-PanelView-error', errorMessage(error));
      message.setAttribute('role', 'alert');
      this.node.prepend(message);
      return;
    }
    await this.refresh();
  }

  protected entry(label: string, detail: string, onOpen?: () => void): HTMLLIElement {
    const item = element('li', 'mc-Entry');
    const name = onOpen ? element('button', 'mc-Entry-name mc-Entry-link', label) : element('span', 'mc-Entry-name', label);
    if (onOpen) {
      (name as HTMLButtonElement).type = 'button';
      name.addEventListener('click', onOpen);
    }
    item.append(name, element('span', 'mc-Entry-detail', detail));
    return item;
  }
}

/** Shares: waiting for an answer, shared with me, shared by me. */
export class SharesView extends LoadingView {
  constructor(client: CS3Client, trans: ITrans, actions: IPanelActions) {
    super(client, trans, actions);
    this.addClass('mc-SharesView');
  }

  /** The number of shares waiting for an answer changed (after each load). */
  get pendingChanged(): ISignal<this, number> {
    return this._pendingChanged;
  }

  protected async render(): Promise<HTMLElement[]> {
    const trans = this.trans;
    const [received, federated, mine] = await Promise.all([
      this.client.receivedShares(),
      // Not every gateway federates: without OCM there is nothing to list.
      this.client.receivedFederatedShares().catch(() => [] as IReceivedFederatedShare[]),
      this.client.myShares()
    ]);
    const { pending, accepted } = sortReceived(received);
    const federatedPending = federated.filter(share => share.state === 'pending');
    const federatedOpen = federated.filter(share => share.state === 'accepted' && share.path);
    this._pendingChanged.emit(pending.length + federatedPending.length);

    const waiting = section(trans.__('Waiting for your answer'), 'mc-Shares-pending');
    for (const share of pending) {
      waiting.list.append(
        this._answerable(share.name, trans.__('from %1, %2', userLabel(share.owner), roleLabel(share.role, trans)), share.id, false)
      );
    }
    for (const share of federatedPending) {
      waiting.list.append(
        this._answerable(share.name, trans.__('from %1, %2', share.owner, roleLabel(share.role, trans)), share.id, true)
      );
    }
    if (!waiting.list.childElementCount) {
      waiting.list.append(element('li', 'mc-Entry-empty', trans.__('Nothing is waiting.')));
    }

    const withMe = section(trans.__('Shared with me'), 'mc-Shares-withMe');
    for (const share of accepted) {
      withMe.list.append(
        this.entry(nameOf(share.path!), trans.__('by %1, %2', userLabel(share.owner), roleLabel(share.role, trans)), () =>
          this.actions.openPath(share.path!)
        )
      );
    }
    for (const share of federatedOpen) {
      withMe.list.append(
        this.entry(nameOf(share.path!), trans.__('by %1, %2', share.owner, roleLabel(share.role, trans)), () =>
          this.actions.openPath(share.path!)
        )
      );
    }
    if (!withMe.list.childElementCount) {
      withMe.list.append(element('li', 'mc-Entry-empty', trans.__('No one has shared anything with you yet.')));
    }

    const byMe = section(trans.__('Shared by me'), 'mc-Shares-byMe');
    for (const group of groupByPath(mine)) {
      const people = group.shares
        .map(share => trans.__('%1 (%2)', userLabel(share.grantee), roleLabel(share.role, trans)))
        .join(', ');
      const item = this.entry(group.path || trans.__('(not in your files)'), people, group.path ? () => this.actions.openPath(group.path) : undefined);
      const manage = this.actions.manageSharing;
      if (manage && group.path) {
        item.append(button(trans.__('Manage'), () => manage(group.path), { title: trans.__('Change or revoke the shares of %1', group.path) }));
      }
      byMe.list.append(item);
    }
    if (!byMe.list.childElementCount) {
      byMe.list.append(element('li', 'mc-Entry-empty', trans.__('You have not shared anything.')));
    }
    return [waiting.node, withMe.node, byMe.node];
  }

  private _answerable(name: string, detail: string, id: string, federated: boolean): HTMLLIElement {
    const item = this.entry(name, detail);
    const trans = this.trans;
    item.dataset.share = id;
    item.append(
      button(trans.__('Accept'), () => void this.act(() => this.client.answerShare(id, true, federated)), {
        accept: true,
        title: trans.__('Accept %1: it shows in your files', name)
      }),
      button(trans.__('Decline'), () => void this.act(() => this.client.answerShare(id, false, federated)), {
        title: trans.__('Decline %1', name)
      })
    );
    return item;
  }

  private _pendingChanged = new Signal<this, number>(this);
}

/** Projects: the project spaces the user belongs to. */
export class ProjectsView extends LoadingView {
  constructor(client: CS3Client, trans: ITrans, actions: IPanelActions) {
    super(client, trans, actions);
    this.addClass('mc-ProjectsView');
  }

  protected async render(): Promise<HTMLElement[]> {
    const trans = this.trans;
    const projects = (await this.client.spaces()).filter((space: ISpace) => space.type === 'project');
    const list = section(trans.__('Projects'), 'mc-Projects');
    for (const space of projects) {
      const details = [space.role ? trans.__('you are %1', space.role) : '', space.quota ? describeQuota(space.quota, trans).text : '']
        .filter(Boolean)
        .join(' · ');
      list.list.append(this.entry(space.name, details, () => this.actions.openPath(space.path)));
    }
    if (!projects.length) {
      list.list.append(element('li', 'mc-Entry-empty', trans.__('You are not a member of any project space.')));
    }
    return [list.node];
  }
}
