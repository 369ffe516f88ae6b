// The establishment's saved column presets: name, table, the file's column
// titles it expects, when it was saved. Préau applies them by itself to
// unrecognised tables whose columns fit.
import { h, clear } from '../../components/dom.js';
import { errorBox } from '../../components/notice.js';
import { t, tn, formatDateTime } from '../../i18n.js';
import { formatLabel } from './labels.js';

/** "Identifiant ← N° utilisateur", one per line. */
function columnList(columns) {
  return h(
    'ul',
    { class: 'presets__list' },
    columns.map((c) => h('li', {}, t('presets.column', { label: c.label, header: c.header }))),
  );
}

export function presetsSection(api, uai) {
  const body = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
  const element = h(
    'section',
    { class: 'imports-section', 'aria-labelledby': 'presets-title', dataset: { testid: 'column-presets' } },
    h('h2', { id: 'presets-title' }, t('presets.title')),
    h('p', { class: 'muted' }, t('presets.lead')),
    body,
  );
  let list = [];

  function draw() {
    clear(body);
    if (!list.length) {
      body.append(h('p', { dataset: { testid: 'presets-empty' } }, t('presets.empty')));
      return;
    }
    body.append(
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'presets', dataset: { testid: 'presets-table' } },
          h('caption', {}, tn('presets.caption', list.length)),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, t('presets.name')),
              h('th', { scope: 'col' }, t('presets.table')),
              h('th', { scope: 'col' }, t('presets.columns')),
              h('th', { scope: 'col' }, t('presets.savedAt')),
            ),
          ),
          h(
            'tbody',
            {},
            list.map((p) =>
              h(
                'tr',
                { dataset: { testid: 'preset-row', name: p.name, format: p.format } },
                h('th', { scope: 'row' }, p.name),
                h('td', {}, formatLabel(p.format)),
                h('td', { class: 'presets__columns' }, p.columns ? columnList(p.columns) : h('span', { class: 'muted' }, t('presets.unreadable'))),
                h('td', { class: 'when' }, h('time', { datetime: p.saved_at }, formatDateTime(p.saved_at))),
              ),
            ),
          ),
        ),
      ),
    );
  }

  return {
    element,
    /** The presets as last loaded (for the mapping form's name check). */
    list: () => list,
    set(next) {
      list = next;
      draw();
    },
    async refresh() {
      try {
        list = await api.columnPresets(uai);
        draw();
      } catch (err) {
        list = [];
        clear(body);
        body.append(errorBox(err, 'presets-error'));
      }
    },
  };
}
