import { tMaybe, t } from '../../locales/catalogue.js';
import { fieldLabel, type Lang } from './i18n.js';

/** The API's problem+json, as pages read it to show the API's own message and field errors. */
export type Problem = {
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  allowedEvents?: string[];
  /** The protocol guard that refused an event, by name (protocols/registry.ts). */
  guard?: string;
};

/** The field an error's path names inside a request body or an event's `data`. */
const fieldName = (path: string) => path.replace(/^(body\.)?(data\.)?/, '').split('.')[0] ?? path;

/**
 * What went wrong, for the page: in English the API's own words (its field errors first where the
 * page shows no field to put them next to); in another language the catalogue's, since the API
 * speaks English: the refusing guard's `guard.<name>`, else the code's `problem.<CODE>`.
 */
export function problemMessage(problem: Problem, lang: Lang, options: { fieldErrors?: boolean } = {}): string {
  if (lang === 'en') return (options.fieldErrors && problem.errors?.map((error) => error.message).join(' ')) || problem.detail || problem.title;
  const guard = problem.guard && tMaybe(lang, `guard.${problem.guard}`);
  if (guard) return guard;
  const fields = [...new Set((problem.errors ?? []).map((error) => fieldName(error.path)))].map((name) => fieldLabel(name, lang));
  if (options.fieldErrors && fields.length > 0) return t(lang, 'web.checkFields', { fields: fields.join(', ') });
  return tMaybe(lang, `problem.${problem.code}`) || t(lang, 'web.problem');
}

/**
 * Field errors keyed by the field name inside the event's `data`. English shows the API's
 * message; another language says the field is empty (`web.fieldRequired`), or that the
 * refusing guard's field is at fault, or that the value is not accepted (`web.fieldInvalid`).
 */
export function fieldErrorsOf(problem: Problem | undefined, lang: Lang = 'en', values: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const error of problem?.errors ?? []) {
    const name = fieldName(error.path);
    if (lang === 'en') out[name] ??= error.message;
    else if (!values[name]?.trim()) out[name] ??= t(lang, 'web.fieldRequired');
    else out[name] ??= (problem?.guard && tMaybe(lang, `guard.${problem.guard}`)) || t(lang, 'web.fieldInvalid');
  }
  return out;
}
