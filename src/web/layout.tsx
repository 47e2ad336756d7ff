import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { t as message } from '../../locales/catalogue.js';
import { roleName, translator, utcOffset, type Lang } from './i18n.js';
import type { Me } from './shapes.js';

/** What every signed-in page knows about its reader, from GET /me. */
export type Viewer = Me;

export type PageContext = { lang: Lang; path: string; viewer?: Viewer | undefined; csrf?: string | undefined };

export function Layout(props: { page: PageContext; title: string; children?: Child }) {
  const { page, title } = props;
  const t = translator(page.lang);
  const other: Lang = page.lang === 'en' ? 'ru' : 'en';
  // The doctype keeps browsers in standards mode (without it they render in quirks mode).
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={page.lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · ${t('web.appName')}`}</title>
          <link rel="stylesheet" href="/app/assets/app.css" />
        </head>
        <body>
          <a class="skip" href="#main">
            {t('web.skip')}
          </a>
          <header class="site">
            <a class="name" href="/app">
              {t('web.appName')}
            </a>
            <nav aria-label={t('web.navigation')}>
              <ul>
                {page.viewer && (
                  <li>
                    <a href="/app" aria-current={page.path === '/app' ? 'page' : undefined}>
                      {t('web.home')}
                    </a>
                  </li>
                )}
                {page.viewer && (
                  <li>
                    <a href="/app/inbox" aria-current={page.path === '/app/inbox' ? 'page' : undefined}>
                      {t('web.inbox')}
                    </a>
                  </li>
                )}
                {page.viewer?.roles.some((role) => role !== 'admin' && role !== 'auditor') && (
                  <li>
                    <a href="/app/people" aria-current={page.path.startsWith('/app/people') ? 'page' : undefined}>
                      {t('web.findPerson')}
                    </a>
                  </li>
                )}
                <li>
                  <a href="/app/indicators" aria-current={page.path === '/app/indicators' ? 'page' : undefined}>
                    {t('web.indicators')}
                  </a>
                </li>
                <li class="lang">
                  <a href={`/app/lang/${other}?back=${encodeURIComponent(page.path)}`} hreflang={other} lang={other}>
                    {message(other, 'locale.name')}
                  </a>
                </li>
              </ul>
            </nav>
            {page.viewer && (
              <div class="who">
                {t('web.signedInAs', { name: page.viewer.name ?? roleName(page.viewer.roles[0] ?? '', page.lang), organisation: page.viewer.organisation.name })}{' '}
                <form method="post" action="/app/sign-out">
                  <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
                  <button type="submit">{t('web.signOut')}</button>
                </form>
              </div>
            )}
          </header>
          <main id="main" tabindex={-1}>
            {props.children}
          </main>
          <footer>
            {t('web.footer')}
            {page.viewer && ` · ${page.viewer.organisation.name} · ${t('web.timesIn', { offset: utcOffset(page.viewer.organisation.timeZone) })}`}
          </footer>
        </body>
      </html>
    </>
  );
}

/** A state as a tag, coloured by what it means for the reader. */
const GOOD = new Set([
  'enrolled',
  'done',
  'completed',
  'discharged',
  'acknowledged',
  'active',
  'accepted',
  'resident',
  'plan_agreed',
  'closed',
  'in_treatment',
  'not_needed',
  'approved',
  'in_rehabilitation',
]);
const BAD = new Set([
  'breach_review',
  'revoked',
  'expelled',
  'declined',
  'not_arrived',
  'lost_contact',
  'returned_to_custody',
  'not_started',
  'overdue',
  'rejected',
  'dropped_out',
]);
const WAIT = new Set(['waitlisted', 'sent', 'referred', 'planning', 'in_progress', 'screened', 'applied', 'ordered', 'completion_review', 'pending']);

export function Tag(props: { value: string; label: string }) {
  const tone = BAD.has(props.value) ? 'bad' : GOOD.has(props.value) ? 'ok' : WAIT.has(props.value) ? 'warn' : 'muted';
  return <span class={`tag ${tone}`}>{props.label}</span>;
}

export function Notice(props: { kind?: 'ok' | 'error'; children?: Child }) {
  return (
    <div class={props.kind === 'error' ? 'notice error' : 'notice'} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

export function CaseLink(props: { id: string; reference: string }) {
  return <a href={`/app/cases/${props.id}`}>{props.reference}</a>;
}

/**
 * A table's box: on a narrow screen (a phone) a table wider than the page scrolls inside it, never
 * the page. Keyboard users reach it (tabindex) to scroll it, and hear it named by the table's caption.
 */
export function TableBox(props: { label: string; children?: Child }) {
  return (
    <div class="table-box" role="region" tabindex={0} aria-label={props.label}>
      {props.children}
    </div>
  );
}

/**
 * The workspace's list table: a caption, column headings, one row per item drawn by `row`
 * (its first cell a row heading), and a single "none" row when the list is empty.
 */
export function ListTable<T>(props: {
  caption: string;
  headings: ReadonlyArray<string | { label: string; numeric: true }>;
  empty: string;
  items: readonly T[];
  row: (item: T) => Child;
}) {
  return (
    <TableBox label={props.caption}>
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.headings.map((heading) =>
              typeof heading === 'string' ? (
                <th scope="col">{heading}</th>
              ) : (
                <th scope="col" class="num">
                  {heading.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {props.items.length === 0 ? (
            <tr>
              <td colspan={props.headings.length}>{props.empty}</td>
            </tr>
          ) : (
            props.items.map((item) => props.row(item))
          )}
        </tbody>
      </table>
    </TableBox>
  );
}
