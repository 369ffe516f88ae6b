// A table shown one page at a time, so lists of tens of thousands of rows
// stay fast and readable. Native buttons move between pages; the status says
// where the reader is.
import { h, clear } from './dom.js';
import { t, formatNumber } from '../i18n.js';

let tables = 0;

/**
 * columns: [{ label, cell: (row) => string | Node, num?: true, className?: string }]
 * rowAttrs(row): attributes of the row's <tr> (dataset for tests).
 * Returns { element, setRows(rows) }; setRows goes back to the first page.
 */
export function pagedTable({ caption, columns, testid, rowAttrs = () => ({}), pageSize = 100 }) {
  const id = `paged-table-${++tables}`;
  let rows = [];
  let page = 0;
  const tbody = h('tbody');
  const table = h(
    'table',
    { id, class: 'paged-table__table', dataset: { testid } },
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col', class: [c.num ? 'num' : '', c.className || ''].join(' ').trim() || null }, c.label)),
      ),
    ),
    tbody,
  );
  const previous = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'aria-controls': id, dataset: { testid: `${testid}-previous` } }, t('pager.previous'));
  const next = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'aria-controls': id, dataset: { testid: `${testid}-next` } }, t('pager.next'));
  const status = h('p', { class: 'pager__status', 'aria-live': 'polite', dataset: { testid: `${testid}-page` } });
  const pager = h('nav', { class: 'pager', 'aria-label': t('pager.label', { name: caption }) }, previous, status, next);
  const empty = h('p', { class: 'muted', dataset: { testid: `${testid}-empty` } }, t('pager.empty'));

  function pages() {
    return Math.max(1, Math.ceil(rows.length / pageSize));
  }

  function draw() {
    page = Math.min(Math.max(0, page), pages() - 1);
    clear(tbody);
    const slice = rows.slice(page * pageSize, (page + 1) * pageSize);
    for (const row of slice) {
      tbody.append(h('tr', rowAttrs(row), columns.map((c) => h('td', { class: [c.num ? 'num' : '', c.className || ''].join(' ').trim() || null }, c.cell(row)))));
    }
    table.hidden = rows.length === 0;
    empty.hidden = rows.length !== 0;
    pager.hidden = pages() <= 1;
    previous.disabled = page === 0;
    next.disabled = page >= pages() - 1;
    status.textContent = t('pager.status', { page: formatNumber(page + 1), pages: formatNumber(pages()), count: formatNumber(rows.length) });
  }

  previous.addEventListener('click', () => {
    page -= 1;
    draw();
    if (previous.disabled) next.focus();
  });
  next.addEventListener('click', () => {
    page += 1;
    draw();
    if (next.disabled) previous.focus();
  });

  const element = h('div', { class: 'paged-table' }, h('div', { class: 'table-wrap' }, table), empty, pager);
  draw();
  return {
    element,
    setRows(list) {
      rows = list;
      page = 0;
      draw();
    },
  };
}
