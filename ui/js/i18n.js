// Strings live in ui/i18n/<lang>.json; French is the default and the fallback.
// Numbers go through Intl with the active locale; dates are always jj/mm/aaaa.

const SUPPORTED = ['fr', 'en'];
const LOCALES = { fr: 'fr-FR', en: 'en-GB' };
const STORAGE_KEY = 'preau.lang';

let lang = 'fr';
let messages = {};
let fallback = {};
let numberFormat = new Intl.NumberFormat('fr-FR');

async function fetchMessages(code) {
  const response = await fetch(`i18n/${code}.json`);
  if (!response.ok) throw new Error(`i18n/${code}.json: ${response.status}`);
  return response.json();
}

function storedLang() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return SUPPORTED.includes(value) ? value : null;
  } catch {
    return null;
  }
}

/** Loads French (always, as the fallback) and the chosen language. */
export async function initI18n(requested) {
  fallback = await fetchMessages('fr');
  await setLang(requested || storedLang() || 'fr');
}

export async function setLang(code) {
  const next = SUPPORTED.includes(code) ? code : 'fr';
  messages = next === 'fr' ? fallback : await fetchMessages(next).catch(() => fallback);
  lang = next;
  numberFormat = new Intl.NumberFormat(LOCALES[next]);
  document.documentElement.lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Storage may be unavailable; the choice then lasts for the session.
  }
}

export function currentLang() {
  return lang;
}

function lookup(table, key) {
  return key.split('.').reduce((node, part) => (node && typeof node === 'object' ? node[part] : undefined), table);
}

export function has(key) {
  return typeof lookup(messages, key) === 'string' || typeof lookup(fallback, key) === 'string';
}

/** Translates `key`, replacing `{name}` placeholders with params. */
export function t(key, params = {}) {
  let text = lookup(messages, key);
  if (typeof text !== 'string') text = lookup(fallback, key);
  if (typeof text !== 'string') return key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Plural-aware: looks up `key.one` / `key.other` with Intl.PluralRules; `{count}` is formatted. */
export function tn(key, count, params = {}) {
  const rule = new Intl.PluralRules(LOCALES[lang]).select(count);
  const form = has(`${key}.${rule}`) ? rule : 'other';
  return t(`${key}.${form}`, { ...params, count: formatNumber(count) });
}

export function formatNumber(n) {
  return typeof n === 'number' && Number.isFinite(n) ? numberFormat.format(n) : '—';
}

// Dates are written jj/mm/aaaa whatever the system's locale: built by hand,
// never through Intl or toLocale*, whose order follows the OS (a C locale
// gives mm/dd/yyyy).
const pad2 = (n) => String(n).padStart(2, '0');

/** RFC 3339 → "jj/mm/aaaa hh:mm" in local time; the raw text when unparsable. */
export function formatDateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${pad2(d.getDate())}/${pad2(d.getMonth() + 1)}/${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** ISO "aaaa-mm-jj" (a calendar date, no time zone) → "jj/mm/aaaa"; the raw text when it is not one. */
export function formatDate(isoDate) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(isoDate));
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(isoDate);
}

/** Today as ISO "aaaa-mm-jj", in local time. */
export function todayIso() {
  const d = new Date();
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/**
 * "jj/mm/aaaa" typed by a person (also "j/m/aaaa", with "." or "-") → ISO
 * "aaaa-mm-jj"; null when it is not a real calendar day.
 */
export function parseDate(text) {
  const m = /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$/.exec(String(text));
  if (!m) return null;
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(year, month - 1, day);
  if (d.getFullYear() !== year || d.getMonth() !== month - 1 || d.getDate() !== day) return null;
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** A French sentence for an IPC error; unknown codes get a generic one that still names the code. */
export function errorMessage(err) {
  const code = err && err.code ? err.code : 'UNKNOWN';
  const params = { ...(err && err.params), code, message: (err && err.message) || '' };
  return has(`errors.${code}`) ? t(`errors.${code}`, params) : t('errors.generic', params);
}

/** Fills static markup: data-i18n (text) and data-i18n-aria-label. */
export function translateDocument(root = document) {
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  root.querySelectorAll('[data-i18n-aria-label]').forEach((el) => {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  });
}
