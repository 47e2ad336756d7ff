import { protocolById } from '../../protocols/index.js';
import { zoneOffsetMinutes } from '../../protocols/time.js';

/**
 * The workspace's words in English and Russian. An organisation's locale picks the language
 * (Kazakh, Kyrgyz, Tajik, Turkmen and Uzbek fall back to Russian, as the notifications do);
 * the `lang` cookie, set by the switch in the header, overrides it.
 */
export type Lang = 'en' | 'ru';
export const LANGS: readonly Lang[] = ['en', 'ru'];

const en = {
  appName: 'CADAP workspace',
  skip: 'Skip to main content',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signInDemo: 'Demo sign-in: choose an organisation and a role',
  signInDemoHint: 'This service uses its embedded demo key. Every person here is fictional.',
  signInOidc: 'Sign in with your organisation’s account',
  signInUnavailable: 'Sign-in is not configured on this service (set OIDC_ISSUER).',
  organisation: 'Organisation',
  role: 'Role',
  continue: 'Continue',
  home: 'My work',
  inbox: 'Inbox',
  indicators: 'Open indicators',
  language: 'Language',
  navigation: 'Main navigation',
  reference: 'Reference',
  state: 'State',
  due: 'Due',
  case: 'Case',
  open: 'Open',
  none: 'Nothing here.',
  workQueue: 'Work queue',
  overdue: 'overdue',
  units: 'Units',
  unit: 'Unit',
  places: 'Places',
  used: 'Used',
  reserved: 'Reserved',
  free: 'Free',
  waiting: 'Waiting',
  roster: 'Unit roster and waitlist',
  phase: 'Phase',
  since: 'Since',
  releaseCalendar: 'Release calendar (next 180 days)',
  releaseDate: 'Release date',
  pathways: 'Pathways',
  handoversSent: 'Handovers sent',
  ngo: 'NGO',
  courtOrders: 'Court orders',
  programme: 'Programme',
  caseNumber: 'Case number',
  tests: 'Adverse tests',
  nextReport: 'Next report due',
  breachesAwaiting: 'Breaches awaiting a ruling',
  caseload: 'Caseload',
  reportsDue: 'Reports due this week',
  incomingHandovers: 'Incoming handovers',
  nextContact: 'Next contact due',
  followUps: 'Follow-ups due (3, 6, 12 months)',
  overdueContacts: 'Overdue contacts',
  referrals: 'Referrals awaiting a decision',
  decisionDue: 'Decision due',
  arrival: 'Expected arrival',
  bedBoard: 'Bed board',
  beds: 'Beds',
  bed: 'Bed',
  residents: 'Residents',
  stayEnd: 'Stay ends',
  escalations: 'Escalations and overdue deadlines',
  certifications: 'Certifications expiring within 90 days',
  validUntil: 'Valid until',
  breakGlass: 'Break-glass access',
  breakGlassHint: 'Four hours of access to the participant of a case, audited; the case owner is told.',
  caseId: 'Case id',
  reason: 'Reason',
  grant: 'Grant access',
  participant: 'Participant',
  timeline: 'Timeline',
  actions: 'What you can do now',
  noActions: 'There is nothing you can do on this case now.',
  record: 'Record',
  withheld: 'Some fields are not shown to your organisation.',
  disclosed: 'Shown to you',
  event: 'Event',
  by: 'By',
  at: 'When',
  details: 'Details',
  parties: 'Parties',
  done: 'Saved.',
  problem: 'This was not saved.',
  markRead: 'Mark read',
  read: 'Read',
  unread: 'Unread',
  subject: 'Subject',
  received: 'Received',
  table: 'Table',
  period: 'Period',
  show: 'Show',
  downloadCsv: 'Download CSV',
  total: 'Total',
  suppressed: 'suppressed (small number)',
  chartOf: 'Chart:',
  signedInAs: 'Signed in as',
  notFound: 'Not found, or not shared with your organisation.',
  sessionExpired: 'Your session has ended. Please sign in again.',
  forbiddenForm: 'This form has expired or did not come from this service. Please try again.',
  yes: 'yes',
  no: 'no',
  identity: 'Identity',
  contact: 'Contact',
  custody: 'Custody',
  legal: 'Legal',
  compliance: 'Compliance',
  health: 'Health',
  social: 'Social',
  notes: 'Notes',
  oneAPerLine: 'one per line',
  enrolled: 'Enrolled',
  waitlist: 'Waitlist (longest waiting first)',
  toAdmit: 'Screened, awaiting admission',
  onTime: 'on time',
  escalation: 'escalation',
  dueSoon: 'due soon',
};
export type Words = typeof en;

const ru: Words = {
  appName: 'Рабочее место CADAP',
  skip: 'Перейти к содержанию',
  signIn: 'Вход',
  signOut: 'Выйти',
  signInDemo: 'Демо-вход: выберите организацию и роль',
  signInDemoHint: 'Сервис использует встроенный демо-ключ. Все люди здесь вымышлены.',
  signInOidc: 'Войти через учётную запись организации',
  signInUnavailable: 'Вход на этом сервисе не настроен (задайте OIDC_ISSUER).',
  organisation: 'Организация',
  role: 'Роль',
  continue: 'Продолжить',
  home: 'Моя работа',
  inbox: 'Уведомления',
  indicators: 'Открытые показатели',
  language: 'Язык',
  navigation: 'Главное меню',
  reference: 'Код',
  state: 'Состояние',
  due: 'Срок',
  case: 'Дело',
  open: 'Открыть',
  none: 'Здесь пусто.',
  workQueue: 'Очередь задач',
  overdue: 'просрочено',
  units: 'Отделения',
  unit: 'Отделение',
  places: 'Мест',
  used: 'Занято',
  reserved: 'Забронировано',
  free: 'Свободно',
  waiting: 'В очереди',
  roster: 'Состав отделений и очередь',
  phase: 'Фаза',
  since: 'С',
  releaseCalendar: 'Календарь освобождений (180 дней)',
  releaseDate: 'Дата освобождения',
  pathways: 'Направления',
  handoversSent: 'Переданные дела',
  ngo: 'НКО',
  courtOrders: 'Решения суда',
  programme: 'Программа',
  caseNumber: 'Номер дела',
  tests: 'Положительные/пропущенные тесты',
  nextReport: 'Следующий отчёт',
  breachesAwaiting: 'Нарушения, ожидающие решения',
  caseload: 'Подопечные',
  reportsDue: 'Отчёты на этой неделе',
  incomingHandovers: 'Входящие передачи',
  nextContact: 'Следующий контакт',
  followUps: 'Контроль через 3, 6, 12 месяцев',
  overdueContacts: 'Просроченные контакты',
  referrals: 'Направления, ожидающие решения',
  decisionDue: 'Решение до',
  arrival: 'Ожидаемое прибытие',
  bedBoard: 'Койко-места',
  beds: 'Мест',
  bed: 'Место',
  residents: 'Проживающие',
  stayEnd: 'Окончание проживания',
  escalations: 'Эскалации и просроченные сроки',
  certifications: 'Сертификаты, истекающие в течение 90 дней',
  validUntil: 'Действует до',
  breakGlass: 'Экстренный доступ',
  breakGlassHint: 'Доступ к данным участника дела на 4 часа, с аудитом; владелец дела уведомляется.',
  caseId: 'Идентификатор дела',
  reason: 'Причина',
  grant: 'Получить доступ',
  participant: 'Участник',
  timeline: 'История',
  actions: 'Доступные действия',
  noActions: 'Сейчас по этому делу у вас нет действий.',
  record: 'Записать',
  withheld: 'Некоторые поля вашей организации не показываются.',
  disclosed: 'Доступно вам',
  event: 'Событие',
  by: 'Кто',
  at: 'Когда',
  details: 'Подробности',
  parties: 'Стороны',
  done: 'Сохранено.',
  problem: 'Не сохранено.',
  markRead: 'Отметить прочитанным',
  read: 'Прочитано',
  unread: 'Не прочитано',
  subject: 'Тема',
  received: 'Получено',
  table: 'Таблица',
  period: 'Период',
  show: 'Показать',
  downloadCsv: 'Скачать CSV',
  total: 'Итого',
  suppressed: 'скрыто (малое число)',
  chartOf: 'Диаграмма:',
  signedInAs: 'Вы вошли как',
  notFound: 'Не найдено или недоступно вашей организации.',
  sessionExpired: 'Сеанс завершён. Войдите снова.',
  forbiddenForm: 'Форма устарела или отправлена не с этого сервиса. Попробуйте ещё раз.',
  yes: 'да',
  no: 'нет',
  identity: 'Личность',
  contact: 'Контакты',
  custody: 'Содержание под стражей',
  legal: 'Правовые данные',
  compliance: 'Соблюдение',
  health: 'Здоровье',
  social: 'Социальные данные',
  notes: 'Заметки',
  oneAPerLine: 'по одному в строке',
  enrolled: 'Зачислены',
  waitlist: 'Очередь (по времени ожидания)',
  toAdmit: 'Прошли отбор, ожидают зачисления',
  onTime: 'в срок',
  escalation: 'эскалация',
  dueSoon: 'срок близко',
};

export const WORDS: Record<Lang, Words> = { en, ru };

const ROLE_NAMES: Record<string, { en: string; ru: string }> = {
  prison_staff: { en: 'Prison staff', ru: 'Сотрудник учреждения' },
  judge: { en: 'Judge', ru: 'Судья' },
  probation_officer: { en: 'Probation officer', ru: 'Сотрудник пробации' },
  treatment_staff: { en: 'Treatment staff', ru: 'Сотрудник лечебного учреждения' },
  ngo_worker: { en: 'NGO caseworker', ru: 'Сотрудник НКО' },
  halfway_house_staff: { en: 'Halfway-house staff', ru: 'Сотрудник реабилитационного дома' },
  coordinator: { en: 'Coordinator', ru: 'Координатор' },
  auditor: { en: 'Auditor', ru: 'Аудитор' },
  admin: { en: 'Administrator', ru: 'Администратор' },
};

/**
 * The values of the protocols' enums (event form options, pathways, phases, programmes), in
 * both languages. tests/web/i18n.test.ts walks every published event schema and fails when a
 * value has no entry here, so a new enum value cannot reach a Russian page in English.
 */
export const VALUE_LABELS: Record<string, { en: string; ru: string }> = {
  // drug tests
  negative: { en: 'Negative', ru: 'Отрицательный' },
  positive: { en: 'Positive', ru: 'Положительный' },
  missed: { en: 'Missed', ru: 'Пропущен' },
  refused: { en: 'Refused', ru: 'Отказ' },
  // progress reports and rulings
  continue: { en: 'Continue', ru: 'Продолжить' },
  review: { en: 'Review', ru: 'Пересмотреть' },
  revoke: { en: 'Revoke', ru: 'Отменить' },
  // screening
  suitable: { en: 'Suitable', ru: 'Подходит' },
  unsuitable: { en: 'Unsuitable', ru: 'Не подходит' },
  // unit phases
  orientation: { en: 'Orientation', ru: 'Ориентация' },
  main: { en: 'Main', ru: 'Основной этап' },
  pre_discharge: { en: 'Pre-discharge', ru: 'Подготовка к выписке' },
  // group sessions, contacts, incidents
  twelve_step: { en: '12-step', ru: '12 шагов' },
  cbt: { en: 'CBT', ru: 'КПТ' },
  community_meeting: { en: 'Community meeting', ru: 'Собрание сообщества' },
  in_person: { en: 'In person', ru: 'Лично' },
  phone: { en: 'Phone', ru: 'По телефону' },
  video: { en: 'Video', ru: 'Видеосвязь' },
  group: { en: 'Group', ru: 'Группа' },
  relapse: { en: 'Relapse', ru: 'Рецидив' },
  curfew: { en: 'Curfew breach', ru: 'Нарушение режима' },
  conflict: { en: 'Conflict', ru: 'Конфликт' },
  other: { en: 'Other', ru: 'Другое' },
  // the seven pathways and their statuses
  accommodation: { en: 'Accommodation', ru: 'Жильё' },
  identity_documents: { en: 'Identity documents', ru: 'Документы' },
  health_continuity: { en: 'Health continuity', ru: 'Непрерывность лечения' },
  employment_education: { en: 'Employment and education', ru: 'Работа и обучение' },
  family: { en: 'Family', ru: 'Семья' },
  finance_benefits: { en: 'Finance and benefits', ru: 'Финансы и пособия' },
  patronage: { en: 'Patronage', ru: 'Патронаж' },
  not_started: { en: 'Not started', ru: 'Не начато' },
  in_progress: { en: 'In progress', ru: 'В работе' },
  done: { en: 'Done', ru: 'Выполнено' },
  not_needed: { en: 'Not needed', ru: 'Не требуется' },
  // departures
  moved_on_stable_housing: { en: 'Moved on to stable housing', ru: 'Переезд в постоянное жильё' },
  moved_on_other: { en: 'Moved on elsewhere', ru: 'Выбыл в другое место' },
  evicted: { en: 'Evicted', ru: 'Выселен' },
  absconded: { en: 'Absconded', ru: 'Самовольно покинул' },
  returned_to_custody: { en: 'Returned to custody', ru: 'Возвращён под стражу' },
  // follow-ups
  stable: { en: 'Stable', ru: 'Постоянное' },
  unstable: { en: 'Unstable', ru: 'Непостоянное' },
  homeless: { en: 'Homeless', ru: 'Без жилья' },
  unknown: { en: 'Unknown', ru: 'Неизвестно' },
  employed: { en: 'Employed', ru: 'Работает' },
  education: { en: 'In education', ru: 'Учится' },
  unemployed: { en: 'Unemployed', ru: 'Не работает' },
  abstinent: { en: 'Abstinent', ru: 'Воздерживается' },
  reduced: { en: 'Reduced use', ru: 'Снизил употребление' },
  using: { en: 'Using', ru: 'Употребляет' },
  ost: { en: 'OST (opioid substitution)', ru: 'ОЗТ (заместительная терапия)' },
  // court-ordered programmes
  detox: { en: 'Detox', ru: 'Детоксикация' },
  outpatient: { en: 'Outpatient', ru: 'Амбулаторно' },
  inpatient_drug_free: { en: 'Inpatient, drug-free', ru: 'Стационар без заместительной терапии' },
  rehabilitation_centre: { en: 'Rehabilitation centre', ru: 'Реабилитационный центр' },
  therapeutic_community: { en: 'Therapeutic community', ru: 'Терапевтическое сообщество' },
};

/** A case state as the protocol names it, in the reader's language. */
export function stateLabel(protocol: string, state: string, lang: Lang): string {
  const definition = protocolById(protocol);
  const title = definition && Object.hasOwn(definition.states, state) ? definition.states[state]?.title : undefined;
  return title?.[lang] ?? humanise(state);
}

/** An enum value in the reader's language; the humanised value only for one with no entry. */
export const valueLabel = (value: string, lang: Lang) => VALUE_LABELS[value]?.[lang] ?? humanise(value);

export const roleName = (role: string, lang: Lang) => ROLE_NAMES[role]?.[lang] ?? role;

/** The organisation's locale decides, unless the person chose a language. */
export function pickLang(chosen: string | undefined, organisationLocale: string | undefined, acceptLanguage: string | undefined): Lang {
  if (chosen === 'en' || chosen === 'ru') return chosen;
  if (organisationLocale) return organisationLocale === 'en' ? 'en' : 'ru';
  return acceptLanguage?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/** `snake_case` or `SCREAMING_SNAKE` or `camelCase` as words, for values without a dictionary entry. */
export function humanise(value: string): string {
  const words = value
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Dates and times in the reader's language and the organisation's time zone. A bare date is a calendar date, shown as is. */
export function formatWhen(value: string | null | undefined, lang: Lang, timeZone: string): string {
  if (!value) return '';
  if (DATE_ONLY.test(value)) {
    return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { timeZone: 'UTC', dateStyle: 'medium' }).format(new Date(`${value}T00:00:00Z`));
  }
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

/** A `datetime-local` value read in the organisation's time zone, as an ISO time with its offset. */
export function zonedToIso(local: string, timeZone: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  const offsetMinutes = zoneOffsetMinutes(new Date(asUtc), timeZone);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${local}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
