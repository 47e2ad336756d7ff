import { describe, expect, it } from 'vitest';
import { CATALOGUES, placeholdersOf } from '../locales/catalogue.js';
import { PROTOCOLS } from './index.js';
import { protocolTexts } from './texts.js';

describe('the protocols’ words are in the catalogues', () => {
  for (const definition of Object.values(PROTOCOLS)) {
    it(`${definition.id}: the English catalogue matches the data; the Russian one has every text, with the same placeholders`, () => {
      for (const [key, text] of protocolTexts(definition)) {
        expect(CATALOGUES.en[key], key).toBe(text.en);
        const ru = CATALOGUES.ru[key];
        expect(ru, key).toBeTruthy();
        expect(text.ru, key).toBe(ru);
        expect(placeholdersOf(ru!, 'ru'), key).toEqual(placeholdersOf(text.en, 'en'));
      }
    });
  }

  it('no catalogue holds a protocol text that no protocol has (a renamed state, a removed event)', () => {
    const known = new Set(Object.values(PROTOCOLS).flatMap((definition) => protocolTexts(definition).map(([key]) => key)));
    for (const catalogue of Object.values(CATALOGUES)) expect(Object.keys(catalogue).filter((key) => key.startsWith('protocol.') && !known.has(key))).toEqual([]);
  });
});
