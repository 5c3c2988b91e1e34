import { describe, expect, it } from 'vitest';
import { formatCount, formatMicros, formatPercent, formatRate, formatUptime, topEntries } from './format';

describe('formatCount', () => {
  it('keeps small counts exact and compacts large ones', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1000)).toBe('1 k');
    expect(formatCount(1234)).toBe('1.2 k');
    expect(formatCount(15_300)).toBe('15 k');
    expect(formatCount(999_999)).toBe('1 M');
    expect(formatCount(2_500_000)).toBe('2.5 M');
    expect(formatCount(3.4e9)).toBe('3.4 G');
  });
  it('shows fractional rates below 10 with one decimal', () => {
    expect(formatCount(0.5)).toBe('0.5');
    expect(formatCount(45.2)).toBe('45');
    expect(formatRate(1234.5)).toBe('1.2 k/s');
  });
  it('renders missing values as a dash', () => {
    expect(formatCount(undefined)).toBe('–');
    expect(formatCount(NaN)).toBe('–');
  });
});

describe('formatMicros', () => {
  it('picks µs, ms or s', () => {
    expect(formatMicros(0)).toBe('0 µs');
    expect(formatMicros(0.42)).toBe('0.42 µs');
    expect(formatMicros(3.4)).toBe('3.4 µs');
    expect(formatMicros(57.3)).toBe('57 µs');
    expect(formatMicros(2100)).toBe('2.1 ms');
    expect(formatMicros(12_600)).toBe('13 ms');
    expect(formatMicros(1_300_000)).toBe('1.3 s');
  });
});

describe('formatUptime', () => {
  it('uses the two largest units', () => {
    expect(formatUptime(42.9)).toBe('42s');
    expect(formatUptime(185)).toBe('3m 05s');
    expect(formatUptime(3720)).toBe('1h 02m');
    expect(formatUptime(2 * 86400 + 3 * 3600)).toBe('2d 03h');
  });
});

describe('formatPercent', () => {
  it('is precise near 0 and 100', () => {
    expect(formatPercent(1, 2)).toBe('50%');
    expect(formatPercent(26, 1000)).toBe('2.6%');
    expect(formatPercent(1, 10_000)).toBe('<0.1%');
    expect(formatPercent(9999, 10_000)).toBe('>99.9%');
    expect(formatPercent(1, 0)).toBe('–');
  });
});

describe('topEntries', () => {
  it('sorts by count then name and limits', () => {
    expect(topEntries({ b: 2, a: 2, c: 5, d: 1 }, 3)).toEqual([
      ['c', 5],
      ['a', 2],
      ['b', 2],
    ]);
  });
});
