import { CATALOGUES, t, tMaybe } from '../../locales/catalogue.js';
import { formatMoney } from './certificate.js';
import { fieldLabel, formatWhen, humanise, type Lang } from './i18n.js';

/**
 * A case's or a person's data as people read it: field names and enum values from the
 * catalogues, dates in the organisation's time zone, and every id named by what it is (an
 * organisation or a unit by its name). An id the reader's organisation cannot resolve says so,
 * in words; no id, enum value or field name is ever shown as the API spells it.
 */
export type ValueContext = {
  lang: Lang;
  tz: string;
  /** Organisation id → name, from GET /organisations. */
  organisations: ReadonlyMap<string, string>;
  /** Unit id → name, from the prisons' GET /organisations/:id/units the reader may read. */
  units: ReadonlyMap<string, string>;
  /** A certificate's claim id → the claim as people name it (its period and amount). */
  claims?: ReadonlyMap<string, string> | undefined;
  /** A certificate's currency: its money fields (in minor units) are shown as money in it. */
  currency?: string | undefined;
};

/** The money fields of a certificate's case and events, in minor units. */
const MONEY_KEYS = new Set(['value', 'amount', 'approved', 'pending', 'remaining']);

/** The texts the service writes into case data (protocols/vocabulary.ts's SERVICE_TEXTS), by their English, to their catalogue key. */
const SERVICE_TEXT_KEYS = new Map(Object.entries(CATALOGUES.en).flatMap(([key, message]) => (key.startsWith('text.') && message ? [[message, key] as const] : [])));

const DATE = /^\d{4}-\d{2}-\d{2}(T.*)?$/;
const ENUM = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const isOrganisationField = (key: string) => key === 'organisationId' || key.endsWith('OrganisationId');

/** One scalar value of the field `key`, as text. */
export function valueText(key: string, value: string | number | boolean, ctx: ValueContext): string {
  const { lang } = ctx;
  if (typeof value === 'boolean') return t(lang, value ? 'web.yes' : 'web.no');
  if (typeof value === 'number' && ctx.currency && MONEY_KEYS.has(key)) return formatMoney(value, ctx.currency, lang);
  if (typeof value === 'number') return new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB').format(value);
  if (isOrganisationField(key)) return ctx.organisations.get(value) ?? t(lang, 'web.notShown');
  if (key === 'unitId') return ctx.units.get(value) ?? t(lang, 'web.notShown');
  if (key === 'claimId') return ctx.claims?.get(value) ?? t(lang, 'web.notShown');
  if (DATE.test(value)) return formatWhen(value, lang, ctx.tz);
  const serviceText = SERVICE_TEXT_KEYS.get(value);
  if (serviceText) return tMaybe(lang, serviceText) ?? value;
  if (ENUM.test(value)) return tMaybe(lang, `value.${value}`) ?? (value.includes('_') ? humanise(value) : value);
  return value;
}

/** Any value of a field: a scalar as text, a list joined, an object as a nested list of its fields. */
export function DataValue(props: { name: string; value: unknown; ctx: ValueContext }) {
  const { name, value, ctx } = props;
  if (value === null || value === undefined) return <></>;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return <>{valueText(name, value, ctx)}</>;
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')) {
      return <>{value.map((item: string | number | boolean) => valueText(name, item, ctx)).join(', ')}</>;
    }
    return (
      <ul class="plain">
        {value.map((item) => (
          <li>
            <DataValue name={name} value={item} ctx={ctx} />
          </li>
        ))}
      </ul>
    );
  }
  return <DataList data={value as Record<string, unknown>} ctx={ctx} />;
}

/** An object's fields as a definition list, empty fields left out. */
export function DataList(props: { data: Record<string, unknown>; ctx: ValueContext }) {
  const entries = Object.entries(props.data).filter(([, value]) => value !== null && value !== undefined && value !== '');
  if (entries.length === 0) return <></>;
  return (
    <dl class="facts">
      {entries.map(([key, value]) => (
        <>
          <dt>{fieldLabel(key, props.ctx.lang)}</dt>
          <dd>
            <DataValue name={key} value={value} ctx={props.ctx} />
          </dd>
        </>
      ))}
    </dl>
  );
}
