import { formatWhen, translator } from '../i18n.js';
import { ListTable, type PageContext, type Viewer } from '../layout.js';
import type { Participant } from '../shapes.js';

/*
 * A person's notes (issue 16 item 5; DOMAIN.md's `notes` class): each note belongs to the
 * organisation that wrote it. The API (GET /participants/:id) answers the reader's own notes
 * always and other organisations' only where `notes` is disclosed; a note is added with
 * PATCH /participants/:id `{ note }`, owned by the writer's organisation.
 */

export type NoteForm = { text: string; error?: string | undefined };

export function NotesSection(props: { page: PageContext & { viewer: Viewer }; person: Participant; names: Map<string, string>; form?: NoteForm | undefined }) {
  const { page, person, names, form } = props;
  const { lang } = page;
  const t = translator(lang);
  const tz = page.viewer.organisation.timeZone;
  const own = page.viewer.organisation.id;
  const notes = [...(person.notes ?? [])].reverse();
  return (
    <section aria-labelledby="notes">
      <h2 id="notes">{t('web.notes')}</h2>
      <ListTable
        caption={t('web.notes.caption')}
        headings={[t('web.notes.when'), t('web.notes.by'), t('web.notes.text')]}
        empty={t('web.notes.none')}
        items={notes}
        row={(note) => (
          <tr>
            <th scope="row">{formatWhen(note.createdAt, lang, tz)}</th>
            <td>{note.organisationId === own ? t('web.notes.yours') : (names.get(note.organisationId) ?? t('web.denials.unknownOrganisation'))}</td>
            <td class="note-text">{note.text}</td>
          </tr>
        )}
      />
      {!person.erasedAt && (
        <form method="post" action={`/app/people/${person.id}/notes`} class="panel">
          <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
          <div class="field">
            <label for="note-text">{t('web.notes.add')}</label>
            <p class="hint" id="note-text-hint">
              {t('web.notes.hint')}
            </p>
            {form?.error && (
              <p class="field-error" id="note-text-error">
                {form.error}
              </p>
            )}
            <textarea
              id="note-text"
              name="note"
              required
              maxlength={5000}
              aria-invalid={form?.error ? 'true' : undefined}
              aria-describedby={['note-text-hint', form?.error ? 'note-text-error' : ''].filter(Boolean).join(' ')}
            >
              {form?.text ?? ''}
            </textarea>
          </div>
          <button class="primary" type="submit">
            {t('web.notes.save')}
          </button>
        </form>
      )}
    </section>
  );
}
