// The establishment's import batches, most recent first, each with what its
// file said about itself (establishment, school year) and a way to see its
// rejected rows.
import { h, clear } from '../../components/dom.js';
import { errorBox } from '../../components/notice.js';
import { t, tn, formatDateTime, formatNumber } from '../../i18n.js';
import { pagedTable } from '../../components/paged-table.js';
import { formatLabel, schoolYear } from './labels.js';
import { rejectsPanel } from './rejects.js';

function fromFile(b) {
  const parts = [b.file_uai, schoolYear(b.school_year)].filter(Boolean);
  return parts.length ? parts.join(' · ') : h('span', { class: 'muted' }, t('history.unknown'));
}

export function historySection(api, uai) {
  const body = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
  const panel = h('div', { class: 'batch-rejects', dataset: { testid: 'batch-rejects' } });
  const element = h(
    'section',
    { class: 'imports-section', 'aria-labelledby': 'history-title', dataset: { testid: 'import-history' } },
    h('h2', { id: 'history-title' }, t('history.title')),
    body,
    panel,
  );

  async function showRejects(batch, opener) {
    const date = formatDateTime(batch.imported_at);
    const heading = h('h3', { id: 'batch-rejects-title', tabindex: '-1' }, t('history.rejectsTitle', { file: batch.file_name, date }));
    const close = h('button', { type: 'button', class: 'btn btn--secondary btn--small', dataset: { testid: 'batch-rejects-close' } }, t('history.close'));
    close.addEventListener('click', () => {
      clear(panel);
      if (opener.isConnected) opener.focus();
    });
    const content = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
    clear(panel);
    panel.dataset.batch = String(batch.id);
    panel.append(h('div', { class: 'panel-head' }, heading, close), content);
    heading.focus();
    try {
      const rejects = await api.batchRejects(uai, batch.id);
      const rows = rejects.map((r) => ({ ...r, file: batch.file_name, format: batch.format }));
      clear(content);
      content.append(rejectsPanel(api, { rows, testid: 'batch-rejects', caption: t('rejects.caption'), name: `${uai}-${batch.file_name}` }));
    } catch (err) {
      clear(content);
      content.append(errorBox(err, 'batch-rejects-error'));
    }
  }

  function rejectsButton(b) {
    if (!b.rejected) return '—';
    const date = formatDateTime(b.imported_at);
    const button = h(
      'button',
      {
        type: 'button',
        class: 'btn btn--secondary btn--small',
        'aria-label': t('history.showRejectsLabel', { file: b.file_name, date }),
        dataset: { testid: 'history-show-rejects' },
      },
      t('history.showRejects'),
    );
    button.addEventListener('click', () => showRejects(b, button));
    return button;
  }

  function draw(batches) {
    clear(body);
    if (!batches.length) {
      body.append(h('p', { dataset: { testid: 'history-empty' } }, t('history.empty')));
      return;
    }
    const table = pagedTable({
      caption: tn('history.caption', batches.length),
      testid: 'history-table',
      pageSize: 50,
      rowAttrs: (b) => ({
        dataset: { testid: 'history-row', batch: String(b.id), format: b.format, file: b.file_name, read: String(b.read), rejected: String(b.rejected) },
      }),
      columns: [
        { label: t('history.date'), className: 'when', cell: (b) => h('time', { datetime: b.imported_at }, formatDateTime(b.imported_at)) },
        {
          label: t('history.file'),
          cell: (b) => h('span', {}, h('span', { class: 'file-name' }, b.file_name), b.zip_entry ? h('span', { class: 'file-meta' }, t('imports.zipEntry', { entry: b.zip_entry })) : null),
        },
        { label: t('history.format'), cell: (b) => formatLabel(b.format) },
        { label: t('history.fromFile'), className: 'nowrap', cell: fromFile },
        { label: t('history.read'), num: true, cell: (b) => formatNumber(b.read) },
        { label: t('history.rejected'), num: true, cell: (b) => formatNumber(b.rejected) },
        { label: t('history.rejects'), cell: rejectsButton },
      ],
    });
    table.setRows(batches);
    body.append(table.element);
  }

  return {
    element,
    /** Redraws the history; the batches, or null when they could not be read. */
    async refresh() {
      try {
        const batches = await api.importHistory(uai);
        draw(batches);
        return batches;
      } catch (err) {
        clear(body);
        body.append(errorBox(err, 'history-error'));
        return null;
      }
    },
  };
}
