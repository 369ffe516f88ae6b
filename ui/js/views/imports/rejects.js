// The rejected rows of one or several files: filters (file, reason, text),
// a paged table with the reasons in French, and a CSV export of what the
// filters show.
import { h } from '../../components/dom.js';
import { t, formatNumber } from '../../i18n.js';
import { pagedTable } from '../../components/paged-table.js';
import { exportButton, csvFileName } from '../../components/csv.js';
import { reasonText } from './labels.js';

const collator = new Intl.Collator('fr');

/** Accent- and case-insensitive, so "eleve" finds "Élève". */
function fold(text) {
  return String(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

function select(id, label, testid, options) {
  const el = h('select', { id, dataset: { testid } }, options.map(([value, text]) => h('option', { value }, text)));
  return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
}

let panels = 0;

/**
 * rows: [{ file, format, location, field, value, reason }].
 * `name` qualifies the CSV file name (the UAI, a file…).
 */
export function rejectsPanel(api, { rows, testid, caption, name }) {
  const n = ++panels;
  const prepared = rows.map((r) => {
    const label = reasonText(r.format, r.reason);
    return { ...r, label, haystack: fold([r.file, r.location, r.field, r.value, label, r.reason].join(' ')) };
  });
  if (!prepared.length) return h('p', { dataset: { testid: `${testid}-none` } }, t('rejects.none'));

  const files = [...new Set(prepared.map((r) => r.file))].sort(collator.compare);
  const labels = [...new Set(prepared.map((r) => r.label))].sort(collator.compare);
  const several = files.length > 1;
  const fileSelect = select(`rejects-file-${n}`, t('rejects.filterFile'), `${testid}-filter-file`, [['', t('rejects.allFiles')], ...files.map((f) => [f, f])]);
  const reasonSelect = select(`rejects-reason-${n}`, t('rejects.filterReason'), `${testid}-filter-reason`, [['', t('rejects.allReasons')], ...labels.map((l) => [l, l])]);
  const textInput = h('input', { id: `rejects-text-${n}`, type: 'search', autocomplete: 'off', dataset: { testid: `${testid}-filter-text` } });
  const textField = h('div', { class: 'field' }, h('label', { for: `rejects-text-${n}` }, t('rejects.filterText')), textInput);
  const shown = h('p', { class: 'filters__count', 'aria-live': 'polite', dataset: { testid: `${testid}-count` } });

  const columns = [
    ...(several ? [{ label: t('rejects.file'), cell: (r) => r.file }] : []),
    { label: t('rejects.location'), cell: (r) => r.location, className: 'location' },
    { label: t('rejects.field'), cell: (r) => r.field },
    { label: t('rejects.value'), cell: (r) => (r.value === '' ? '—' : r.value), className: 'value' },
    {
      label: t('rejects.reason'),
      cell: (r) => h('span', {}, r.label, ' ', h('span', { class: 'code-hint' }, `(${r.reason})`)),
    },
  ];
  const table = pagedTable({
    caption,
    columns,
    testid: `${testid}-table`,
    rowAttrs: (r) => ({ dataset: { testid: `${testid}-row`, reason: r.reason, file: r.file } }),
  });

  let filtered = prepared;
  function apply() {
    const file = fileSelect.el.value;
    const label = reasonSelect.el.value;
    const needle = fold(textInput.value.trim());
    filtered = prepared.filter(
      (r) => (!file || r.file === file) && (!label || r.label === label) && (!needle || r.haystack.includes(needle)),
    );
    table.setRows(filtered);
    shown.textContent = t('rejects.shown', { shown: formatNumber(filtered.length), total: formatNumber(prepared.length) });
    shown.dataset.shown = String(filtered.length);
    shown.dataset.total = String(prepared.length);
  }
  fileSelect.el.addEventListener('change', apply);
  reasonSelect.el.addEventListener('change', apply);
  let pending = null;
  textInput.addEventListener('input', () => {
    clearTimeout(pending);
    pending = setTimeout(apply, 200);
  });
  apply();

  const exporter = exportButton(api, {
    label: t('rejects.export'),
    testid: `${testid}-export`,
    build: () => ({
      name: csvFileName(t('rejects.csvName'), name),
      headers: [t('rejects.file'), t('rejects.location'), t('rejects.field'), t('rejects.value'), t('rejects.reason'), t('rejects.code')],
      rows: filtered.map((r) => [r.file, r.location, r.field, r.value, r.label, r.reason]),
    }),
  });

  return h(
    'div',
    { class: 'rejects', dataset: { testid } },
    h(
      'fieldset',
      { class: 'filters' },
      h('legend', { class: 'visually-hidden' }, t('rejects.filters')),
      several ? fileSelect.field : null,
      reasonSelect.field,
      textField,
      h('div', { class: 'field field--action' }, exporter),
    ),
    shown,
    table.element,
  );
}
