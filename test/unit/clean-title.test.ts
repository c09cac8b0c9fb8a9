import { cleanTitle } from '../../src/services/title.service';

describe('cleanTitle', () => {
  it('keeps the first line, without a label, quotes or a final full stop', () => {
    expect(cleanTitle('"How tides work."\nSecond line', 60)).toBe('How tides work');
    expect(cleanTitle('Title: Moon and tides', 60)).toBe('Moon and tides');
    expect(cleanTitle('\n\n  «Les marées»  ', 60)).toBe('Les marées');
    expect(cleanTitle('Tides   and\tcurrents', 60)).toBe('Tides and currents');
  });

  it('shortens a long title to the limit with an ellipsis, and gives null for nothing', () => {
    expect(cleanTitle('a'.repeat(80), 10)).toBe(`${'a'.repeat(9)}…`);
    expect(cleanTitle('a'.repeat(80), 10)).toHaveLength(10);
    expect(cleanTitle('  \n "" \n', 60)).toBeNull();
  });
});
