// The establishment selector in the header: "UAI — nom", remembers the last
// choice in localStorage, and tells the app when the choice changes.
import { h, clear } from './dom.js';
import { t, errorMessage } from '../i18n.js';

const STORAGE_KEY = 'preau.establishment';

export function rememberedUai() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function remember(uai) {
  try {
    if (uai) localStorage.setItem(STORAGE_KEY, uai);
  } catch {
    // No storage: the choice lasts for the session only.
  }
}

export function optionLabel(entry) {
  if (entry.error) return t('establishment.unreadable', { uai: entry.uai, reason: errorMessage({ code: entry.error }) });
  const label = entry.name ? `${entry.uai} — ${entry.name}` : entry.uai;
  return entry.fictional ? `${label} ${t('establishment.fictionalMark')}` : label;
}

/**
 * Fills the <select> with the entries and selects `selected` (or the remembered
 * one, or the first). Calls onChange(uai) when the user picks another one.
 * Returns the selected UAI or null.
 */
export function fillEstablishmentSelect(select, entries, { selected, onChange, error } = {}) {
  clear(select);
  if (error) {
    select.append(h('option', { value: '' }, t('establishment.unavailable')));
    select.disabled = true;
    return null;
  }
  if (!entries.length) {
    select.append(h('option', { value: '' }, t('establishment.none')));
    select.disabled = true;
    return null;
  }
  for (const entry of entries) {
    select.append(h('option', { value: entry.uai }, optionLabel(entry)));
  }
  const wanted = [selected, rememberedUai()].find((uai) => uai && entries.some((e) => e.uai === uai));
  const current = wanted || entries[0].uai;
  select.value = current;
  remember(current);
  select.disabled = false;
  select.onchange = () => {
    remember(select.value);
    if (onChange) onChange(select.value);
  };
  return current;
}
