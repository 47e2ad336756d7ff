import { roleName, translator } from '../i18n.js';
import { Layout, Notice, type PageContext } from '../layout.js';
import type { DemoSignInChoices } from '../shapes.js';

export type DemoChoice = DemoSignInChoices['items'][number];

/** Demo: pick an organisation and a role. Production: one button that starts the OpenID Connect sign-in. */
export function signInPage(page: PageContext, mode: { kind: 'demo'; choices: DemoChoice[] } | { kind: 'oidc' } | { kind: 'none' }, message: string | undefined) {
  const t = translator(page.lang);
  return (
    <Layout page={page} title={t('web.signIn')}>
      <h1>{t('web.signIn')}</h1>
      {message && <Notice kind="error">{message}</Notice>}
      {mode.kind === 'demo' && (
        <form method="post" action="/app/sign-in/demo" class="panel">
          <h2>{t('web.signInDemo')}</h2>
          <p class="hint">{t('web.signInDemoHint')}</p>
          <input type="hidden" name="_csrf" value={page.csrf ?? ''} />
          <div class="field">
            <label for="choice">
              {t('web.organisation')} / {t('web.role')}
            </label>
            <select id="choice" name="choice" required>
              {mode.choices.flatMap((choice) =>
                choice.roles.map((role) => (
                  <option value={`${choice.id}|${role}`}>
                    {choice.name} — {roleName(role, page.lang)}
                  </option>
                )),
              )}
            </select>
          </div>
          <button class="primary" type="submit">
            {t('web.continue')}
          </button>
        </form>
      )}
      {mode.kind === 'oidc' && (
        // A link, not a form: the identity provider is another origin, and form-action 'self' would block the redirect.
        <p>
          <a class="button" href="/app/sign-in/oidc">
            {t('web.signInOidc')}
          </a>
        </p>
      )}
      {mode.kind === 'none' && <p>{t('web.signInUnavailable')}</p>}
    </Layout>
  );
}
