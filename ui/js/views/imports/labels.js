// French names for what the import reports in codes: formats, reject
// reasons (the readers' own texts, per format), refusals, findings.
import { t, has, currentLang } from '../../i18n.js';

// `${format}|${code}` → the reader's French text; `*|${code}` → the importer's
// own text (valid for any format), else the first reader's.
let catalog = null;

/** Loads the readers' reject reasons once; on failure the i18n texts serve and the next view tries again. */
export async function loadReasons(api) {
  if (catalog) return catalog;
  try {
    const list = await api.rejectReasons();
    const map = new Map();
    for (const r of list) {
      if (r.format) map.set(`${r.format}|${r.code}`, r.text);
      if (!map.has(`*|${r.code}`)) map.set(`*|${r.code}`, r.text);
    }
    catalog = map;
    return catalog;
  } catch {
    return new Map();
  }
}

/** A reject reason in words: the reader's own French text for that format, else the UI's. */
export function reasonText(format, code) {
  const own = catalog && (catalog.get(`${format}|${code}`) || catalog.get(`*|${code}`));
  if (own && currentLang() === 'fr') return own;
  if (has(`rejectReasons.${code}`)) return t(`rejectReasons.${code}`);
  return own || code;
}

export function formatLabel(format) {
  if (!format) return t('imports.unknownFormat');
  return has(`formats.${format}`) ? t(`formats.${format}`) : format;
}

/** Why a file was refused, in a few words ("Fichier déjà importé"). */
export function refusalTitle(code) {
  return has(`errors.${code}`) ? t(`errors.${code}`) : code;
}

export function findingLabel(code) {
  return has(`findingCodes.${code}`) ? t(`findingCodes.${code}`) : code;
}

/** 2026 → "2026-2027". */
export function schoolYear(year) {
  return typeof year === 'number' ? t('history.year', { start: year, end: year + 1 }) : null;
}
