import { describe, expect, it } from 'vitest';
import { peopleOf } from '../src/presence';

describe('peopleOf', () => {
  it('one entry per user, this user first, then by name; states without a user are left out', () => {
    const states = new Map<number, Record<string, any>>([
      [3, { user: { username: 'marie', display_name: 'Marie Curie', initials: 'MC', color: '#f00' } }],
      [1, { user: { username: 'einstein', name: 'Albert Einstein', color: '#00f' } }],
      [7, { user: { username: 'marie', display_name: 'Marie Curie' } }],
      [9, {}],
      [4, { user: { username: 'bohr', name: 'Niels Bohr' } }]
    ]);
    const people = peopleOf(states, 1);
    expect(people.map(p => [p.name, p.isSelf, p.connections])).toEqual([
      ['Albert Einstein', true, 1],
      ['Marie Curie', false, 2],
      ['Niels Bohr', false, 1]
    ]);
    expect(people[0].initials).toBe('AE');
    expect(people[1].initials).toBe('MC');
  });

  it("another tab of this user is this user", () => {
    const states = new Map<number, Record<string, any>>([
      [1, { user: { username: 'einstein', name: 'Einstein' } }],
      [2, { user: { username: 'einstein', name: 'Einstein' } }]
    ]);
    expect(peopleOf(states, 2)).toMatchObject([{ isSelf: true, connections: 2 }]);
  });
});
