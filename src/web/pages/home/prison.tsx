import type { ApiClient } from '../../api.js';
import { PATHWAYS } from '../../../../protocols/registry.js';
import { stateLabel, valueLabel } from '../../i18n.js';
import { CaseLink, ListTable, Tag, type Viewer } from '../../layout.js';
import type { CaseItem, Occupancy } from '../../shapes.js';
import { cases, DAY, str, when, type Ctx } from './shared.js';

/** Prison staff: the units' places, who is enrolled, waiting or to admit, the release calendar, the handovers sent. */
export async function prisonWork(ctx: Ctx, api: ApiClient, viewer: Viewer) {
  const { w } = ctx;
  const occupancy = await api.maybe<Occupancy>(`/organisations/${viewer.organisation.id}/occupancy`);
  const units = occupancy?.kind === 'prison' ? occupancy.units : [];
  const unitName = new Map(units.map((unit) => [unit.unitId, unit.name]));
  const enrolments = await cases(api, 'unit-enrolment');
  const enrolled = enrolments.filter((item) => item.state === 'enrolled');
  const waitlist = enrolments.filter((item) => item.state === 'waitlisted').sort((a, b) => str(a.data.waitlistedAt).localeCompare(str(b.data.waitlistedAt)));
  const horizon = new Date(Date.parse(`${ctx.today}T00:00:00Z`) + 180 * DAY).toISOString().slice(0, 10);
  const plans = (await cases(api, 'pre-release'))
    .filter((item) => !item.final && str(item.data.releaseDate) !== '' && str(item.data.releaseDate) <= horizon)
    .sort((a, b) => str(a.data.releaseDate).localeCompare(str(b.data.releaseDate)));
  const handovers = (await cases(api, 'patronage')).filter((item) => item.yourParts.includes('sender'));
  const unitRoster = (caption: string, items: CaseItem[], dateField: string) => (
    <ListTable
      caption={caption}
      headings={[w.reference, w.unit, w.state, w.phase, w.since]}
      empty={w.none}
      items={items}
      row={(item) => (
        <tr>
          <th scope="row">
            <CaseLink id={item.id} reference={item.participant.referenceCode} />
          </th>
          <td>{unitName.get(str(item.data.unitId)) ?? ''}</td>
          <td>
            <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
          </td>
          <td>{str(item.data.phase) && valueLabel(str(item.data.phase), ctx.lang)}</td>
          <td>{when(ctx, item.data[dateField])}</td>
        </tr>
      )}
    />
  );
  return (
    <section aria-labelledby="prison-work">
      <h2 id="prison-work">{w.roster}</h2>
      <table>
        <caption>{w.units}</caption>
        <thead>
          <tr>
            <th scope="col">{w.unit}</th>
            <th scope="col" class="num">
              {w.places}
            </th>
            <th scope="col" class="num">
              {w.used}
            </th>
            <th scope="col" class="num">
              {w.reserved}
            </th>
            <th scope="col" class="num">
              {w.free}
            </th>
            <th scope="col" class="num">
              {w.waiting}
            </th>
          </tr>
        </thead>
        <tbody>
          {units.map((unit) => (
            <tr>
              <th scope="row">{unit.name}</th>
              <td class="num">{unit.places}</td>
              <td class="num">{unit.used}</td>
              <td class="num">{unit.reserved}</td>
              <td class="num">{unit.free === 0 ? <Tag value="full" label={`${unit.free}`} /> : unit.free}</td>
              <td class="num">{unit.waiting}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {unitRoster(w.enrolled, enrolled, 'admittedOn')}
      {unitRoster(w.waitlist, waitlist, 'waitlistedAt')}
      {unitRoster(
        w.toAdmit,
        enrolments.filter((item) => item.state === 'screened' || item.state === 'applied'),
        'openedAt',
      )}
      <ListTable
        caption={w.releaseCalendar}
        headings={[w.reference, w.releaseDate, w.state, w.pathways]}
        empty={w.none}
        items={plans}
        row={(item) => {
          const pathways = (item.data.pathways ?? {}) as Record<string, { status?: string }>;
          return (
            <tr>
              <th scope="row">
                <CaseLink id={item.id} reference={item.participant.referenceCode} />
              </th>
              <td>{when(ctx, item.data.releaseDate)}</td>
              <td>
                <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
              </td>
              <td>
                {PATHWAYS.map((name) => {
                  const status = pathways[name]?.status ?? 'not_started';
                  return <Tag value={status} label={`${valueLabel(name, ctx.lang)}: ${valueLabel(status, ctx.lang)}`} />;
                })}
              </td>
            </tr>
          );
        }}
      />
      <ListTable
        caption={w.handoversSent}
        headings={[w.reference, w.ngo, w.state]}
        empty={w.none}
        items={handovers}
        row={(item) => (
          <tr>
            <th scope="row">
              <CaseLink id={item.id} reference={item.participant.referenceCode} />
            </th>
            <td>{ctx.names.get(item.parties.find((party) => party.part === 'ngo')?.organisationId ?? '') ?? ''}</td>
            <td>
              <Tag value={item.state} label={stateLabel(item.protocol, item.state, ctx.lang)} />
            </td>
          </tr>
        )}
      />
    </section>
  );
}
