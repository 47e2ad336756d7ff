import { minorDigits } from './certificate.js';
import { fieldLabel, kindLabel, translator, valueLabel, zonedToIso, type Lang } from './i18n.js';

/**
 * Event forms are generated from the protocol's own data schemas (JSON Schema, as published
 * by GET /protocols/:id), so every event the API allows has a form, with the API's rules.
 * The form's strings are turned back into typed JSON here; the API validates it.
 */
export type JsonSchema = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  maxLength?: number;
  description?: string;
};

export type OrganisationOption = { id: string; name: string; kind: string };
/** A picker's options in named groups (an `<optgroup>` each), in place of the whole organisation list. */
export type OptionGroup = { label: string; options: OrganisationOption[] };

type FieldKind =
  | { kind: 'text'; long: boolean }
  | { kind: 'date' }
  | { kind: 'datetime' }
  | { kind: 'number'; integer: boolean }
  | { kind: 'boolean' }
  | { kind: 'choice'; options: (string | number)[] }
  | { kind: 'organisation' }
  | { kind: 'lines' }
  | { kind: 'object' }
  | { kind: 'unsupported' };

function kindOf(name: string, schema: JsonSchema): FieldKind {
  const consts = schema.anyOf?.map((option) => option.const);
  if (consts && consts.every((value) => typeof value === 'string' || typeof value === 'number')) return { kind: 'choice', options: consts as (string | number)[] };
  if (schema.enum) return { kind: 'choice', options: schema.enum as (string | number)[] };
  if (typeof schema.const === 'string' || typeof schema.const === 'number') return { kind: 'choice', options: [schema.const] };
  if (schema.type === 'boolean') return { kind: 'boolean' };
  if (schema.type === 'integer' || schema.type === 'number') return { kind: 'number', integer: schema.type === 'integer' };
  if (schema.type === 'array' && schema.items?.type === 'string') return { kind: 'lines' };
  if (schema.type === 'object' && schema.properties) return { kind: 'object' };
  if (schema.type === 'string') {
    if (schema.format === 'date') return { kind: 'date' };
    if (schema.format === 'date-time') return { kind: 'datetime' };
    if (schema.format === 'uuid' && /rganisationId$/.test(name)) return { kind: 'organisation' };
    return { kind: 'text', long: (schema.maxLength ?? 0) > 200 };
  }
  return { kind: 'unsupported' };
}

/** The form's fields, one per property of the event's data. */
export function SchemaFields(props: {
  prefix: string;
  schema: JsonSchema;
  lang: Lang;
  organisations: OrganisationOption[];
  values?: Record<string, string> | undefined;
  errors?: Record<string, string> | undefined;
  /** Organisation fields whose choices are these groups only (a certificate's centre: certified today, the person's region first). */
  pickers?: Record<string, OptionGroup[]> | undefined;
  /** Money fields typed in a currency's unit, by field: the currency (the route turns them into minor units). */
  money?: Record<string, string> | undefined;
  /** Inside an object field (a contract's `parties`): its path, `parties.`; values and errors are keyed by the full path. */
  path?: string | undefined;
}) {
  const t = translator(props.lang);
  const path = props.path ?? '';
  const required = new Set(props.schema.required ?? []);
  return (
    <>
      {Object.entries(props.schema.properties ?? {}).map(([name, schema]) => {
        const key = `${path}${name}`;
        const id = `${props.prefix}-${key.replaceAll('.', '-')}`;
        const field = kindOf(name, schema);
        const groups = props.pickers?.[name];
        const currency = props.money?.[name];
        // A choice of one (the person's own choice of centre) is made already.
        const only = field.kind === 'choice' && field.options.length === 1 && required.has(name) ? String(field.options[0]) : '';
        const value = props.values?.[key] ?? only;
        const error = props.errors?.[key];
        const label = required.has(name) || field.kind === 'boolean' ? fieldLabel(name, props.lang) : t('web.optional', { label: fieldLabel(name, props.lang) });
        const common = { id, name: `data.${key}`, 'aria-invalid': error ? ('true' as const) : undefined, 'aria-describedby': error ? `${id}-error` : undefined };
        const errorLine = error && (
          <p class="field-error" id={`${id}-error`}>
            {error}
          </p>
        );
        if (field.kind === 'unsupported') return null;
        if (field.kind === 'object') {
          return (
            <fieldset class="nested">
              <legend>{label}</legend>
              {errorLine}
              <SchemaFields {...props} schema={schema} path={`${key}.`} />
            </fieldset>
          );
        }
        if (field.kind === 'boolean') {
          return (
            <div class="field check">
              {errorLine}
              <input type="checkbox" value="true" checked={value === 'true'} {...common} />
              <label for={id}>{label}</label>
            </div>
          );
        }
        return (
          <div class="field">
            <label for={id}>
              {label}
              {field.kind === 'lines' ? ` (${t('web.oneAPerLine')})` : ''}
              {currency ? ` (${currency})` : ''}
            </label>
            {errorLine}
            {field.kind === 'choice' || field.kind === 'organisation' ? (
              <select {...common} required={required.has(name)}>
                {!required.has(name) || value === '' ? <option value="">—</option> : null}
                {groups
                  ? groups.map((group) => (
                      <optgroup label={group.label}>
                        {group.options.map((org) => (
                          <option value={org.id} selected={org.id === value}>
                            {org.name}
                          </option>
                        ))}
                      </optgroup>
                    ))
                  : field.kind === 'choice'
                    ? field.options.map((option) => (
                        <option value={String(option)} selected={String(option) === value}>
                          {typeof option === 'string' ? valueLabel(option, props.lang) : String(option)}
                        </option>
                      ))
                    : props.organisations.map((org) => (
                        <option value={org.id} selected={org.id === value}>
                          {org.name} ({kindLabel(org.kind, props.lang)})
                        </option>
                      ))}
              </select>
            ) : field.kind === 'lines' || (field.kind === 'text' && field.long) ? (
              <textarea {...common} required={required.has(name) && field.kind !== 'lines'}>
                {value}
              </textarea>
            ) : (
              <input
                type={field.kind === 'date' ? 'date' : field.kind === 'datetime' ? 'datetime-local' : field.kind === 'number' ? 'number' : 'text'}
                step={currency ? String(10 ** -minorDigits(currency)) : undefined}
                inputmode={currency ? 'decimal' : undefined}
                value={value}
                required={required.has(name)}
                {...common}
              />
            )}
          </div>
        );
      })}
    </>
  );
}

/** Form strings back to typed event data. Empty optional fields are left out; the API validates the rest. */
export function dataFromForm(schema: JsonSchema, form: Record<string, string>, timeZone: string, path = ''): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const raw = (form[`data.${path}${name}`] ?? '').trim();
    const field = kindOf(name, property);
    if (field.kind === 'object') {
      data[name] = dataFromForm(property, form, timeZone, `${path}${name}.`);
      continue;
    }
    if (field.kind === 'boolean') {
      data[name] = raw === 'true';
      continue;
    }
    if (raw === '') continue;
    switch (field.kind) {
      case 'number':
        data[name] = Number(raw);
        break;
      case 'choice': {
        const match = field.options.find((option) => String(option) === raw);
        data[name] = match ?? raw;
        break;
      }
      case 'datetime':
        data[name] = zonedToIso(raw, timeZone) ?? raw;
        break;
      case 'lines':
        data[name] = raw
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter(Boolean);
        break;
      default:
        data[name] = raw;
    }
  }
  return data;
}

/** The submitted form's own values, to put back into the form when the API refuses it. */
export function formValues(form: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(form)
      .filter(([key]) => key.startsWith('data.'))
      .map(([key, value]) => [key.slice(5), value]),
  );
}
