// Accueil: the selected establishment's real figures, straight from the store.
import { h } from '../components/dom.js';
import { errorBox } from '../components/notice.js';
import { t, formatNumber } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { usableEstablishment } from './common.js';

function stat(testid, label, value, link) {
  return h(
    'li',
    { class: 'stat' },
    h('span', { class: 'stat__label' }, label),
    h('span', { class: 'stat__value', dataset: { testid, value: String(value) } }, formatNumber(value)),
    link || '',
  );
}

/**
 * The groups made in Préau, apart from the classes and groups the imports
 * bring: the same count the Groupes view lists, with the way there.
 */
function managedStat(n) {
  const link = h('a', { href: '#/groupes', class: 'stat__link', dataset: { testid: 'home-go-groups' } },
    t(n === 0 ? 'home.managedGroupsNone' : 'home.managedGroupsSee'));
  return stat('count-managed-groups', t('home.managedGroups'), n, link);
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

function heading(counts, batches) {
  const attrs = { id: 'establishment-heading', class: 'establishment-heading', dataset: { testid: 'establishment-name' } };
  if (counts.name) return h('h2', attrs, counts.name, ' ', h('span', { class: 'mono' }, `(${counts.uai})`));
  // A store created in the app has no name until an export gives one.
  return h(
    'h2',
    attrs,
    t('home.unnamed'),
    ' ',
    h('span', { class: 'mono mono--strong' }, counts.uai),
    batches === 0 ? [' ', h('span', { class: 'establishment-heading__note' }, t('home.noDataNote'))] : null,
  );
}

/** Nobody in the store yet: what fills it, and where to go. */
function noPopulation(counts, batches) {
  return h(
    'section',
    { 'aria-labelledby': 'establishment-heading', dataset: { testid: 'home-figures', empty: 'true' } },
    heading(counts, batches),
    h(
      'div',
      { class: 'notice', dataset: { testid: 'home-no-data' } },
      h('p', {}, batches === 0 ? t('home.noData') : t('home.noPopulation')),
      h('p', {}, h('a', { href: '#/imports', dataset: { testid: 'home-go-imports' } }, t('home.goImports'))),
    ),
  );
}

const PEOPLE = ['pupils', 'responsables', 'teachers', 'staff', 'groups'];

function figures(counts, managed) {
  return h(
    'section',
    { 'aria-labelledby': 'establishment-heading', dataset: { testid: 'home-figures' } },
    heading(counts, null),
    h('p', { class: 'lead' }, t('home.lead')),
    h(
      'ul',
      { class: 'stats' },
      stat('count-pupils', t('home.pupils'), counts.pupils),
      stat('count-responsables', t('home.responsables'), counts.responsables),
      stat('count-teachers', t('home.teachers'), counts.teachers),
      stat('count-staff', t('home.staff'), counts.staff),
      stat('count-groups', t('home.groups'), counts.groups),
      managed === null ? '' : managedStat(managed),
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
      if (PEOPLE.some((key) => counts[key] > 0)) {
        // The home figures stand even when the groups cannot be read.
        const managed = await ctx.api.groupsOverview(entry.uai).then((o) => o.groups.length, () => null);
        loading.replaceWith(figures(counts, managed));
      } else {
        const batches = (await ctx.api.importHistory(entry.uai)).length;
        loading.replaceWith(noPopulation(counts, batches));
      }
    } catch (err) {
      loading.replaceWith(errorBox(err, 'home-error'));
    }
  },
};
