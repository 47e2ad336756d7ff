import { tMaybe } from '../../../locales/catalogue.js';
import { formatWhen, translator, type Lang } from '../i18n.js';
import { CaseLink, Layout, Notice, TableBox, Tag, type PageContext, type Viewer } from '../layout.js';
import type { NotificationItem } from '../shapes.js';

/**
 * A notice as the reader names it: its kind and what it is about, in the reader's language (the
 * e-mail's own subject and text are in the organisation's language and carry links and zones).
 */
const subjectOf = (item: NotificationItem, lang: Lang) => `${tMaybe(lang, `mail.kind.${item.kind}`) ?? item.kind}: ${item.title[lang]}`;

/** The organisation's inbox (GET /notifications): reference codes only, as the API gives them. */
export function inboxPage(page: PageContext & { viewer: Viewer }, items: NotificationItem[], flash: string | undefined) {
  const t = translator(page.lang);
  const tz = page.viewer.organisation.timeZone;
  return (
    <Layout page={page} title={t('web.inbox')}>
      <h1>{t('web.inbox')}</h1>
      {flash && <Notice>{flash}</Notice>}
      <TableBox label={t('web.inbox')}>
        <table>
          <caption>{t('web.inbox')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('web.received')}</th>
              <th scope="col">{t('web.reference')}</th>
              <th scope="col">{t('web.subject')}</th>
              <th scope="col">{t('web.state')}</th>
            </tr>
          </thead>
          <tbody>
            {items.length === 0 ? (
              <tr>
                <td colspan={4}>{t('web.none')}</td>
              </tr>
            ) : (
              items.map((item) => (
                <tr>
                  <td>{formatWhen(item.createdAt, page.lang, tz)}</td>
                  <th scope="row">{item.caseId ? <CaseLink id={item.caseId} reference={item.participantReference} /> : item.participantReference}</th>
                  <td>
                    {subjectOf(item, page.lang)}
                    {item.dueAt && item.kind !== 'alert' && <p class="hint">{t('web.dueAt', { when: formatWhen(item.dueAt, page.lang, tz) })}</p>}
                  </td>
                  <td>
                    {item.readAt ? (
                      <Tag value="done" label={t('web.read')} />
                    ) : (
                      <form method="post" action={`/app/inbox/${item.id}/read`}>
                        <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
                        <button type="submit" class="primary" aria-label={`${t('web.markRead')}: ${subjectOf(item, page.lang)}`}>
                          {t('web.markRead')}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </TableBox>
    </Layout>
  );
}
