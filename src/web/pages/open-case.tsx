import { protocolKey, protocolText } from '../../../locales/catalogue.js';
import { SchemaFields, type JsonSchema, type OptionGroup } from '../forms.js';
import { protocolTitle, translator, type Lang, type Translate } from '../i18n.js';
import { Layout, Notice, type PageContext, type Viewer } from '../layout.js';
import type { OrganisationItem, Participant } from '../shapes.js';

/*
 * Opening a case of a protocol from a person's page (issue 16 item 4). The protocol's own data
 * (GET /protocols/:id) says which parts there are, the organisation kinds each takes and which
 * must be certified; each part's picker lists only those, nearest first (the reader's region,
 * then its country, then the others). The API (POST /cases) decides.
 */

type SignedInPage = PageContext & { viewer: Viewer };

export type PartData = { title: { en: string; ru: string }; kinds: string[]; required: boolean; certified?: boolean; automatic?: string; fromData?: string; filledBy?: string[] };
export type OpeningProtocol = {
  id: string;
  title: { en: string; ru: string };
  parts: Record<string, PartData>;
  opening: { roles: string[]; ownerPart: string; data: JsonSchema };
};
export type Unit = { id: string; name: string; kind: string };
export type OpenValues = { parties: Record<string, string>; data: Record<string, string>; errors: Record<string, string>; problem?: string | undefined };

/** The protocols the reader's roles may open (GET /protocols, then each one's opening roles). */
export const mayOpen = (protocol: OpeningProtocol, viewer: Viewer) => protocol.opening.roles.some((role) => (viewer.roles as readonly string[]).includes(role));

/**
 * The parts the opener names as parties: all but the one its own organisation fills, those the
 * service fills, those an opening data field fills (`fromData`: its picker is that field's) and
 * those only an event may fill (`filledBy`: a certificate's centre is the person's choice, CENTRE_CHOSEN).
 */
export const namedParts = (protocol: OpeningProtocol) =>
  Object.entries(protocol.parts).filter(([part, data]) => part !== protocol.opening.ownerPart && !data.automatic && !data.fromData && !data.filledBy);

/** The opening data's organisation fields that fill a part (`fromData`): each picker lists that part's candidates, nearest first. */
function dataPickers(protocol: OpeningProtocol, organisations: OrganisationItem[], viewer: Viewer, t: Translate): Record<string, OptionGroup[]> {
  return Object.fromEntries(
    Object.values(protocol.parts).flatMap((data) => {
      if (!data.fromData) return [];
      const groups = candidates(data, organisations, viewer);
      const option = (org: OrganisationItem) => ({ id: org.id, name: org.name, kind: org.kind });
      const shown = (['region', 'country', 'elsewhere'] as const)
        .filter((group) => groups[group].length > 0)
        .map((group) => ({ label: t(`web.open.group.${group}`), options: groups[group].map(option) }));
      return [[data.fromData, shown]];
    }),
  );
}

/** A part's candidates: its kinds only, certified ones only where the part requires it; grouped by nearness. */
export function candidates(part: PartData, organisations: OrganisationItem[], viewer: Viewer) {
  const fits = organisations
    .filter((org) => part.kinds.includes(org.kind) && (!part.certified || org.certified === true) && org.id !== viewer.organisation.id)
    .sort((a, b) => a.name.localeCompare(b.name));
  const own = viewer.organisation;
  return {
    region: fits.filter((org) => org.region === own.region),
    country: fits.filter((org) => org.region !== own.region && org.country === own.country),
    elsewhere: fits.filter((org) => org.country !== own.country),
  };
}

const partTitle = (protocolId: string, part: string, data: PartData, lang: Lang) => protocolText(lang, protocolKey.part(protocolId, part), data.title) ?? part;

function PartPicker(props: {
  t: Translate;
  lang: Lang;
  protocol: OpeningProtocol;
  part: string;
  data: PartData;
  organisations: OrganisationItem[];
  viewer: Viewer;
  values: OpenValues;
}) {
  const { t, lang, protocol, part, data, values } = props;
  const groups = candidates(data, props.organisations, props.viewer);
  const id = `party-${part}`;
  const error = values.errors[`party.${part}`];
  const label = partTitle(protocol.id, part, data, lang);
  const chosen = values.parties[part] ?? '';
  const hint = data.certified ? t('web.open.certifiedOnly') : undefined;
  return (
    <div class="field">
      <label for={id}>{data.required ? label : t('web.optional', { label })}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      <select
        id={id}
        name={`party.${part}`}
        required={data.required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={[hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
      >
        <option value="">—</option>
        {(['region', 'country', 'elsewhere'] as const)
          .filter((group) => groups[group].length > 0)
          .map((group) => (
            <optgroup label={t(`web.open.group.${group}`)}>
              {groups[group].map((org) => (
                <option value={org.id} selected={org.id === chosen}>
                  {org.name}
                </option>
              ))}
            </optgroup>
          ))}
      </select>
    </div>
  );
}

export function openCasePage(page: SignedInPage, person: Participant, protocol: OpeningProtocol, organisations: OrganisationItem[], units: Unit[], values: OpenValues) {
  const { lang, viewer } = page;
  const t = translator(lang);
  const title = t('web.open.title', { protocol: protocolTitle(protocol.id, lang) ?? protocol.id });
  const { unitId, ...rest } = protocol.opening.data.properties ?? {};
  const schema: JsonSchema = { ...protocol.opening.data, properties: rest };
  return (
    <Layout page={page} title={title}>
      <h1>{title}</h1>
      <p>{t('web.open.for', { reference: person.referenceCode })}</p>
      {values.problem && <Notice kind="error">{values.problem}</Notice>}
      <form method="post" action={`/app/people/${person.id}/open/${protocol.id}`} class="panel">
        <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
        <fieldset>
          <legend>{t('web.open.parties')}</legend>
          {namedParts(protocol).map(([part, data]) => (
            <PartPicker t={t} lang={lang} protocol={protocol} part={part} data={data} organisations={organisations} viewer={viewer} values={values} />
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('web.open.data')}</legend>
          {unitId && (
            <div class="field">
              <label for="open-unitId">{t('web.open.unit')}</label>
              {values.errors.unitId && (
                <p class="field-error" id="open-unitId-error">
                  {values.errors.unitId}
                </p>
              )}
              <select id="open-unitId" name="data.unitId" required aria-describedby={values.errors.unitId ? 'open-unitId-error' : undefined}>
                <option value="">—</option>
                {units.map((unit) => (
                  <option value={unit.id} selected={unit.id === values.data.unitId}>
                    {unit.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          <SchemaFields
            prefix="open"
            schema={schema}
            lang={lang}
            organisations={[]}
            pickers={dataPickers(protocol, organisations, viewer, t)}
            values={values.data}
            errors={values.errors}
          />
        </fieldset>
        <button class="primary" type="submit">
          {t('web.open.submit')}
        </button>
      </form>
    </Layout>
  );
}

/** The person page's list of protocols the reader may open for them. */
export function OpenCaseLinks(props: { page: SignedInPage; personId: string; protocols: OpeningProtocol[] }) {
  const { lang } = props.page;
  const t = translator(lang);
  if (props.protocols.length === 0) return null;
  return (
    <section aria-labelledby="open-case">
      <h2 id="open-case">{t('web.open.heading')}</h2>
      <ul>
        {props.protocols.map((protocol) => (
          <li>
            <a href={`/app/people/${props.personId}/open/${protocol.id}`}>{protocolTitle(protocol.id, lang) ?? protocol.id}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}
