// Accueil: the selected establishment's real figures, straight from the store.
import { h } from '../components/dom.js';
import { errorBox } from '../components/notice.js';
import { t, formatNumber } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { usableEstablishment } from './common.js';

function stat(testid, label, value) {
  return h(
    'li',
    { class: 'stat' },
    h('span', { class: 'stat__label' }, label),
    h('span', { class: 'stat__value', dataset: { testid, value: String(value) } }, formatNumber(value)),
  );
}

// Key the store uses for current pupils in no class.
const NO_DIVISION = 'sans_classe';

function levelsTable(counts) {
  const levels = Object.entries(counts.pupils_by_level || {});
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'levels', dataset: { testid: 'levels-table' } },
      h('caption', {}, t('home.byLevel')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('home.level')), h('th', { scope: 'col', class: 'num' }, t('home.pupils')))),
      h(
        'tbody',
        {},
        levels.map(([level, n]) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, level === NO_DIVISION ? t('home.noDivision') : level),
            h('td', { class: 'num', dataset: { testid: `count-level-${level}`, value: String(n) } }, formatNumber(n)),
          ),
        ),
      ),
      h(
        'tfoot',
        {},
        h('tr', {}, h('th', { scope: 'row' }, t('home.total')), h('td', { class: 'num' }, formatNumber(counts.pupils))),
      ),
    ),
  );
}

function figures(counts) {
  return h(
    'section',
    { 'aria-labelledby': 'establishment-heading', dataset: { testid: 'home-figures' } },
    h(
      'h2',
      { id: 'establishment-heading', class: 'establishment-heading', dataset: { testid: 'establishment-name' } },
      counts.name || counts.uai,
      ' ',
      h('span', { class: 'mono' }, `(${counts.uai})`),
    ),
    h('p', { class: 'lead' }, t('home.lead')),
    h(
      'ul',
      { class: 'stats' },
      stat('count-pupils', t('home.pupils'), counts.pupils),
      stat('count-responsables', t('home.responsables'), counts.responsables),
      stat('count-teachers', t('home.teachers'), counts.teachers),
      stat('count-staff', t('home.staff'), counts.staff),
      stat('count-groups', t('home.groups'), counts.groups),
    ),
    levelsTable(counts),
  );
}

export default {
  id: 'accueil',
  titleKey: 'nav.accueil',
  async render(root, ctx) {
    root.append(viewTitle(t('nav.accueil')));
    const entry = usableEstablishment(root, ctx, 'home-error');
    if (!entry) return;
    const loading = h('p', { class: 'loading' }, t('app.loading'));
    root.append(loading);
    try {
      const counts = await ctx.api.establishmentStatus(entry.uai);
      loading.replaceWith(figures(counts));
    } catch (err) {
      loading.replaceWith(errorBox(err, 'home-error'));
    }
  },
};
