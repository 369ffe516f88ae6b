// The result of one import: a verdict (saved, or nothing written and why),
// one row per file (format, ZIP entry, encoding, column preset, counts or
// refusal, with the way to map an unrecognised table's columns), then every
// rejected row.
import { h } from '../../components/dom.js';
import { t, tn, formatNumber } from '../../i18n.js';
import { formatLabel, refusalTitle } from './labels.js';
import { rejectsPanel } from './rejects.js';

function refusedList(files) {
  const refused = files.filter((f) => f.error);
  if (!refused.length) return null;
  return h(
    'ul',
    { class: 'refused-list', 'aria-label': t('imports.refusedListLabel'), dataset: { testid: 'import-refused-list' } },
    refused.map((f) => h('li', { dataset: { testid: 'import-refused-item', file: f.file, error: f.error } }, t('imports.refusedItem', { file: f.file, reason: refusalTitle(f.error) }))),
  );
}

function verdict(outcome, mappable, onSkipRefused) {
  const files = outcome.files;
  const refused = files.filter((f) => f.error).length;
  if (outcome.committed) {
    const saved = files.filter((f) => f.applied);
    const read = saved.reduce((n, f) => n + f.read, 0);
    const rejected = saved.reduce((n, f) => n + f.rejected, 0);
    return h(
      'div',
      { class: refused ? 'notice notice--warn' : 'notice notice--ok', dataset: { testid: 'import-verdict', committed: 'true', refused: String(refused) } },
      h('p', { class: 'notice__title' }, `✓ ${t(refused ? 'imports.partialTitle' : 'imports.committedTitle')}`),
      h('p', { dataset: { testid: 'import-verdict-counts' } }, tn('imports.committed', saved.length, { read: tn('imports.nLinesRead', read), rejected: tn('imports.nLinesRejected', rejected) })),
      refused ? h('p', {}, tn('imports.partial', refused)) : null,
      refusedList(files),
    );
  }
  const acceptable = files.filter((f) => !f.error).length;
  let skip = null;
  if (acceptable && onSkipRefused) {
    skip = h('button', { type: 'button', class: 'btn', dataset: { testid: 'import-skip-refused' } }, tn('imports.skipRefused', acceptable));
    skip.addEventListener('click', () => {
      skip.disabled = true;
      onSkipRefused();
    });
  }
  return h(
    'div',
    { class: 'notice notice--error', dataset: { testid: 'import-verdict', committed: 'false', refused: String(refused) } },
    h('p', { class: 'notice__title' }, `✗ ${t('imports.notCommittedTitle')}`),
    h('p', {}, tn('imports.notCommitted', refused), acceptable ? ` ${tn('imports.acceptable', acceptable)}` : ''),
    refusedList(files),
    mappable ? h('p', { dataset: { testid: 'import-mapping-hint' } }, t('imports.mappingHint')) : null,
    skip ? h('div', { class: 'toolbar' }, skip) : null,
  );
}

function fileCell(f) {
  return h(
    'th',
    { scope: 'row' },
    h('span', { class: 'file-name' }, f.file),
    f.zip_entry ? h('span', { class: 'file-meta' }, t('imports.zipEntry', { entry: f.zip_entry })) : null,
    f.encoding ? h('span', { class: 'file-meta' }, t('imports.encoding', { encoding: f.encoding })) : null,
    f.preset ? h('span', { class: 'file-meta file-meta--preset', dataset: { testid: 'import-file-preset' } }, t('imports.readWithPreset', { name: f.preset })) : null,
  );
}

function mapButton(f, index, mapping) {
  if (!mapping || !mapping.can(index)) return null;
  const button = h(
    'button',
    {
      type: 'button',
      class: 'btn btn--secondary btn--small outcome__action',
      'aria-label': t('imports.mapLabel', { file: f.file }),
      dataset: { testid: 'import-map', index: String(index) },
    },
    t('imports.map'),
  );
  button.addEventListener('click', () => mapping.open(index, button));
  return button;
}

function outcomeCell(f, index, mapping) {
  if (f.error) {
    return h(
      'td',
      { class: 'outcome outcome--refused' },
      h('span', { class: 'outcome__label' }, `✗ ${t('imports.refused', { reason: refusalTitle(f.error) })}`),
      f.message ? h('span', { class: 'outcome__detail', dataset: { testid: 'import-file-message' } }, f.message) : null,
      mapButton(f, index, mapping),
    );
  }
  const notice = f.notice ? h('span', { class: 'outcome__detail outcome__notice', dataset: { testid: 'import-file-notice' } }, t('imports.notice', { text: f.notice })) : null;
  if (f.applied) return h('td', { class: 'outcome outcome--ok' }, h('span', { class: 'outcome__label' }, `✓ ${t('imports.applied')}`), notice);
  return h('td', { class: 'outcome' }, h('span', { class: 'outcome__label' }, `○ ${t('imports.notApplied')}`), notice);
}

function filesTable(files, mapping) {
  // A file refused, or never read because another was refused, has no counts to show.
  const num = (f, n) => (!f.applied && !f.read && !f.rejected ? '—' : formatNumber(n));
  // The box scrolls only if a very narrow window needs it; a keyboard can scroll it too.
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('imports.resultRegion'), dataset: { testid: 'import-files-wrap' } },
    h(
      'table',
      { class: 'import-files', dataset: { testid: 'import-files-table' } },
      h('caption', {}, t('imports.resultCaption')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('imports.file')),
          h('th', { scope: 'col' }, t('imports.format')),
          h('th', { scope: 'col', class: 'num' }, t('imports.read')),
          h('th', { scope: 'col', class: 'num' }, t('imports.rejected')),
          h('th', { scope: 'col' }, t('imports.outcome')),
        ),
      ),
      h(
        'tbody',
        {},
        files.map((f, index) =>
          h(
            'tr',
            {
              dataset: {
                testid: 'import-file-result',
                file: f.file,
                format: f.format || '',
                read: String(f.read),
                rejected: String(f.rejected),
                error: f.error || '',
                applied: String(Boolean(f.applied)),
                preset: f.preset || '',
              },
            },
            fileCell(f),
            h('td', { dataset: { testid: 'import-file-format' } }, formatLabel(f.format)),
            h('td', { class: 'num' }, num(f, f.read)),
            h('td', { class: 'num' }, num(f, f.rejected)),
            outcomeCell(f, index, mapping),
          ),
        ),
      ),
    ),
  );
}

/**
 * The report of `outcome`. `fullRejects` maps a file's index to all its
 * stored rejects when the report only carried the first ones. `mapping`
 * ({ can(index), open(index, button) }) offers the column-mapping step for
 * the unrecognised tables; `onSkipRefused` imports the acceptable files
 * without the refused ones.
 */
export function importReport(api, outcome, { uai, fullRejects = new Map(), mapping = null, onSkipRefused = null }) {
  const rows = [];
  const truncated = [];
  outcome.files.forEach((f, index) => {
    const list = fullRejects.get(index) || f.rejects || [];
    if (list.length < f.rejected) truncated.push(t('rejects.truncated', { file: f.file, shown: formatNumber(list.length), total: formatNumber(f.rejected) }));
    for (const r of list) rows.push({ ...r, file: f.file, format: f.format });
  });
  return h(
    'div',
    { class: 'import-report' },
    verdict(outcome, Boolean(mapping) && outcome.files.some((f, index) => mapping.can(index)), onSkipRefused),
    filesTable(outcome.files, mapping),
    h('h3', { id: 'import-rejects-title' }, t('rejects.title')),
    truncated.map((text) => h('p', { class: 'muted' }, text)),
    rejectsPanel(api, { rows, testid: 'import-rejects', caption: t('rejects.caption'), name: uai }),
  );
}
