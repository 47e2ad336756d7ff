import { formatWhen, WORDS } from '../i18n.js';
import { CaseLink, Layout, Notice, Tag, type PageContext, type Viewer } from '../layout.js';
import type { NotificationItem } from '../shapes.js';

/** The organisation's inbox (GET /notifications): reference codes and links only, as the API gives them. */
export function inboxPage(page: PageContext & { viewer: Viewer }, items: NotificationItem[], flash: string | undefined) {
  const w = WORDS[page.lang];
  const tz = page.viewer.organisation.timeZone;
  return (
    <Layout page={page} title={w.inbox}>
      <h1>{w.inbox}</h1>
      {flash && <Notice>{flash}</Notice>}
      <table>
        <caption>{w.inbox}</caption>
        <thead>
          <tr>
            <th scope="col">{w.received}</th>
            <th scope="col">{w.reference}</th>
            <th scope="col">{w.subject}</th>
            <th scope="col">{w.state}</th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 ? (
            <tr>
              <td colspan={4}>{w.none}</td>
            </tr>
          ) : (
            items.map((item) => (
              <tr>
                <td>{formatWhen(item.createdAt, page.lang, tz)}</td>
                <th scope="row">{item.caseId ? <CaseLink id={item.caseId} reference={item.participantReference} /> : item.participantReference}</th>
                <td>
                  {item.subject}
                  <p class="hint">{item.text}</p>
                </td>
                <td>
                  {item.readAt ? (
                    <Tag value="done" label={w.read} />
                  ) : (
                    <form method="post" action={`/app/inbox/${item.id}/read`}>
                      <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
                      <button type="submit" class="primary" aria-label={`${w.markRead}: ${item.subject}`}>
                        {w.markRead}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </Layout>
  );
}
