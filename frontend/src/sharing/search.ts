/**
 * Search as you type: one request once the typing pauses, and only the answer to the latest text
 * counts (an earlier, slower answer arriving last must not replace it).
 */

export interface ISearchOptions<T> {
  search: (text: string) => Promise<T>;
  /** The answer to the text now in the field. */
  onResults: (text: string, results: T) => void;
  onError: (text: string, error: unknown) => void;
  /** The text became too short to search: clear what was shown. */
  onCleared: () => void;
  delayMs?: number;
  minLength?: number;
}

export class DebouncedSearch<T> {
  constructor(private readonly _options: ISearchOptions<T>) {}

  /** The field's text changed. */
  input(text: string): void {
    this.cancel();
    const query = text.trim();
    if (query.length < (this._options.minLength ?? 1)) {
      this._options.onCleared();
      return;
    }
    const generation = this._generation;
    this._timer = setTimeout(() => void this._run(query, generation), this._options.delayMs ?? 250);
  }

  /** Forget the pending search and any answer still on its way. */
  cancel(): void {
    this._generation++;
    if (this._timer !== undefined) {
      clearTimeout(this._timer);
      this._timer = undefined;
    }
  }

  private async _run(query: string, generation: number): Promise<void> {
    this._timer = undefined;
    try {
      const results = await this._options.search(query);
      if (generation === this._generation) {
        this._options.onResults(query, results);
      }
    } catch (error) {
      if (generation === this._generation) {
        this._options.onError(query, error);
      }
    }
  }

  private _generation = 0;
  private _timer: ReturnType<typeof setTimeout> | undefined;
}
