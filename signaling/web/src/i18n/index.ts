// t(): a catalog string with its {placeholders} filled in, in the language chosen from the
// browser's preferences (English unless German comes first).
import { catalogs, type Catalog, type Language, type MessageKey } from './catalog';

export type { MessageKey, Language } from './catalog';

/// The first of `preferred` (navigator.languages) we have a catalog for; English otherwise.
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{([a-zA-Z0-9_]+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function translator(language: Language): (key: MessageKey, params?: Record<string, string | number>) => string {
  const catalog: Catalog = catalogs[language];
  return (key, params) => format(catalog[key], params);
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

export const language: Language = pickLanguage(browserLanguages());
export const t = translator(language);
