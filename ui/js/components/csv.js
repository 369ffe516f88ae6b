// CSV exports for Excel with French settings: ';' between cells, CRLF line
// ends, UTF-8 with a BOM so accents survive, and cells Excel would run as
// formulas neutralised. The shell saves the text through a native dialog.
import { h } from './dom.js';
import { t } from '../i18n.js';
import { announce, announceError } from './notice.js';

const BOM = '\uFEFF';

function cell(value) {
  let text = value === null || value === undefined ? '' : String(value);
  // "=HYPERLINK(…)" in a pupil's name must stay text; plain negative numbers stay numbers.
  if (/^[=+@\t\r]/.test(text) || (/^-/.test(text) && !/^-\d+([.,]\d+)?$/.test(text))) text = `'${text}`;
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole file: a header row, then one row per entry (arrays of cells). */
export function toCsv(headers, rows) {
  return BOM + [headers, ...rows].map((row) => row.map(cell).join(';')).join('\r\n') + '\r\n';
}

/** `rejets-0999001W-2026-09-01.csv`: base, optional qualifier, today's date. */
export function csvFileName(base, qualifier) {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const slug = (s) => String(s).normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^\w.-]+/g, '-');
  return [base, qualifier, date].filter(Boolean).map(slug).join('-') + '.csv';
}

/**
 * An "Exporter en CSV" button: build() returns { name, headers, rows } at
 * click time (so it exports what the filters show); the result is announced.
 */
export function exportButton(api, { label, testid, build }) {
  const button = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid } }, label);
  button.addEventListener('click', async () => {
    const { name, headers, rows } = build();
    button.disabled = true;
    try {
      const path = await api.saveTextFile(name, toCsv(headers, rows));
      announce(path ? t('export.saved', { path }) : t('export.cancelled'));
    } catch (err) {
      announceError(err);
    } finally {
      button.disabled = false;
      button.focus();
    }
  });
  return button;
}
