import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DebouncedSearch } from '../src/sharing/search';

/** A search whose answers the test releases, in any order. */
function controlledSearch() {
  const calls: { text: string; answer: (results: string[]) => void; fail: (error: Error) => void }[] = [];
  const search = (text: string) =>
    new Promise<string[]>((answer, fail) => calls.push({ text, answer, fail }));
  return { calls, search };
}

describe('search as you type', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(minLength = 1) {
    const { calls, search } = controlledSearch();
    const shown: [string, string[]][] = [];
    const errors: string[] = [];
    let cleared = 0;
    const searcher = new DebouncedSearch<string[]>({
      search,
      onResults: (text, results) => shown.push([text, results]),
      onError: (text, error) => errors.push(`${text}: ${(error as Error).message}`),
      onCleared: () => cleared++,
      delayMs: 250,
      minLength
    });
    return { searcher, calls, shown, errors, cleared: () => cleared };
  }

  it('one request once the typing pauses, for the whole text', async () => {
    const { searcher, calls, shown } = setup();
    searcher.input('m');
    vi.advanceTimersByTime(100);
    searcher.input('ma');
    vi.advanceTimersByTime(100);
    searcher.input('mar ');
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(250);
    expect(calls.map(call => call.text)).toEqual(['mar']);
    calls[0].answer(['marie']);
    await vi.runAllTimersAsync();
    expect(shown).toEqual([['mar', ['marie']]]);
  });

  it('a slower answer to an earlier text does not replace the answer to the latest', async () => {
    const { searcher, calls, shown } = setup();
    searcher.input('ma');
    vi.advanceTimersByTime(250);
    searcher.input('mar');
    vi.advanceTimersByTime(250);
    expect(calls.map(call => call.text)).toEqual(['ma', 'mar']);
    calls[1].answer(['marie']);
    await vi.runAllTimersAsync();
    calls[0].answer(['marie', 'mark']);
    await vi.runAllTimersAsync();
    expect(shown).toEqual([['mar', ['marie']]]);
  });

  it('too short: nothing is asked and what was shown is cleared, even an answer on its way', async () => {
    const { searcher, calls, shown, cleared } = setup(2);
    searcher.input('ma');
    vi.advanceTimersByTime(250);
    searcher.input('m');
    expect(cleared()).toBe(1);
    calls[0].answer(['marie']);
    await vi.runAllTimersAsync();
    expect(calls).toHaveLength(1);
    expect(shown).toEqual([]);
  });

  it('a failed search is reported for the latest text only', async () => {
    const { searcher, calls, errors } = setup();
    searcher.input('x');
    vi.advanceTimersByTime(250);
    calls[0].fail(new Error('502 Bad Gateway'));
    await vi.runAllTimersAsync();
    searcher.input('xy');
    vi.advanceTimersByTime(250);
    searcher.cancel();
    calls[1].fail(new Error('late'));
    await vi.runAllTimersAsync();
    expect(errors).toEqual(['x: 502 Bad Gateway']);
  });
});
