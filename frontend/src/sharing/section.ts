/** What the three parts of the share dialog have in common. */

import type { ITrans } from '../format';
import { SharingClient } from './client';
import { element as h } from '../dom';
import { InlineError, ItemList, attempt, uniqueId } from './dom';

/** What every part is given. */
export interface ISectionContext {
  client: SharingClient;
  /** The Jupyter path of what is shared. */
  path: string;
  trans: ITrans;
  /** Say what changed (a status region that screen readers read out). */
  announce: (text: string) => void;
}

export interface ISectionWords {
  className: string;
  title: string;
  listTitle: string;
  emptyText: string;
}

/**
 * A part of the dialog: a region named by its heading (screen readers list and jump to them), where
 * its own errors show, and the list of what is shared this way, loaded from the server.
 */
export abstract class SharingSection<T> {
  readonly node: HTMLElement;

  constructor(
    protected readonly context: ISectionContext,
    words: ISectionWords
  ) {
    this.node = h('section', `mc-Share-section ${words.className}`);
    const heading = h('h3', 'mc-Share-heading', words.title);
    heading.id = uniqueId('mc-share-section');
    this.node.setAttribute('aria-labelledby', heading.id);
    this.node.append(heading);
    this.list = new ItemList(words.listTitle, words.emptyText);
  }

  /** What is shared already; a failure shows in this part. */
  async load(): Promise<void> {
    await attempt([], this.error, async () => {
      this.list.set((await this.fetch()).map(item => this.row(item)));
    });
  }

  dispose(): void {
    // Nothing to let go of, unless a part says otherwise.
  }

  protected abstract fetch(): Promise<T[]>;
  protected abstract row(item: T): HTMLElement;

  protected readonly error = new InlineError();
  protected readonly list: ItemList;
}
