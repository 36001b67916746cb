import { describe, expect, it } from 'vitest';
import { catalogs, de, en } from '../../src/i18n/catalog';
import { format, pickLanguage, translator } from '../../src/i18n';

const placeholders = (s: string) => [...s.matchAll(/\{([a-zA-Z0-9_]+)\}/g)].map((m) => m[1]).sort();

describe('catalogs', () => {
  it('have every key in both languages, none empty, with the same placeholders', () => {
    const keys = Object.keys(en).sort();
    expect(Object.keys(de).sort()).toEqual(keys);
    for (const lang of Object.values(catalogs)) {
      for (const key of keys) {
        const text = (lang as Record<string, string>)[key];
        expect(text, key).toBeTruthy();
        expect(placeholders(text!), key).toEqual(placeholders((en as Record<string, string>)[key]!));
      }
    }
  });
});

describe('pickLanguage', () => {
  it('takes the first language we have', () => {
    expect(pickLanguage(['de-AT', 'en'])).toBe('de');
    expect(pickLanguage(['fr', 'de'])).toBe('de');
    expect(pickLanguage(['en-GB'])).toBe('en');
    expect(pickLanguage(['fr'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
  });
});

describe('format', () => {
  it('fills placeholders and leaves unknown ones', () => {
    expect(format('{a} and {b}', { a: 1 })).toBe('1 and {b}');
    expect(translator('de')('rooms.unread', { count: 3 })).toBe('3 ungelesen');
  });
});
