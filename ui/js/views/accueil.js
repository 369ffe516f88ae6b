// Accueil: what needs the administrator today (each with the way there),
// how old the last imports are, the establishment's figures straight from
// the store, and its backup — written under a passphrase, restored after a
// preview of what it would replace.
import { h, clear } from '../components/dom.js';
import { announce, errorBox } from '../components/notice.js';
import { t, tn, has, formatNumber, formatDate, formatDateTime } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { usableEstablishment } from './common.js';
import { restoreSection, secret } from '../components/restore.js';

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

/** One thing to do, worded from its kind, as a link to the view that does it. */
function todoText(item) {
  const k = `home.todo.${item.kind}`;
  switch (item.kind) {
    case 'rentree_late':
      return t(k, { due: formatDate(item.due), title: item.title });
    case 'rentree_now':
      return t(k, { title: item.title });
    case 'finding':
      return t(k, { label: has(`findingCodes.${item.code}`) ? t(`findingCodes.${item.code}`) : t('journal.unknownValue'), n: formatNumber(item.count) });
    case 'to_reconcile': {
      const [source, category] = String(item.code).split(':');
      return t(k, { source: t(`home.source.${source}`), category: has(`home.category.${category}`) ? t(`home.category.${category}`) : category, n: formatNumber(item.count) });
    }
    case 'never_imported':
      return t(k, { what: t(`home.what.${item.code}`) });
    case 'backup':
      return t(k);
    default:
      return tn(k, item.count);
  }
}

function todayList(today) {
  const section = h('section', { 'aria-labelledby': 'home-today-title', class: 'home-today', dataset: { testid: 'home-today' } },
    h('h2', { id: 'home-today-title' }, t('home.todayTitle')));
  if (today.todos.length === 0) {
    section.append(h('p', { class: 'notice notice--ok', dataset: { testid: 'home-today-nothing' } }, t('home.todayNothing')));
  } else {
    section.append(h('ul', { class: 'todo-list' }, ...today.todos.map((item) =>
      h('li', { class: item.urgent ? 'todo todo--urgent' : 'todo', dataset: { testid: 'home-todo', kind: item.kind } },
        h('a', { href: item.kind === 'backup' ? '#/accueil' : `#/${item.route}`, dataset: { route: item.route } }, todoText(item)),
      ))));
  }
  const ages = today.imports.map((i) => {
    let when = t('home.importNever');
    if (i.imported_at) when = i.days === 0 ? t('home.importToday') : tn('home.importAge', i.days, { date: formatDate(i.imported_at.slice(0, 10)) });
    return h('li', { dataset: { testid: 'home-import-age', what: i.what } }, h('strong', {}, t(`home.importWhat.${i.what}`)), ' : ', when);
  });
  section.append(h('h3', {}, t('home.importsTitle')), h('ul', { class: 'import-ages' }, ...ages));
  return section;
}

/** The backup written under a passphrase typed twice, and the restore of one. */
function backupSection(ctx, uai, today, redraw) {
  const result = h('div', { class: 'home-backup__result', dataset: { testid: 'backup-result' } });
  const say = (node, spoken) => {
    clear(result);
    result.append(node);
    announce(spoken);
  };
  const [p1Field, p1] = secret('backup-pass', t('home.passphrase'), 'backup-passphrase');
  const [p2Field, p2] = secret('backup-pass-2', t('home.passphraseAgain'), 'backup-passphrase-again');
  const write = h('button', { type: 'button', class: 'btn', dataset: { testid: 'backup-write' } }, t('home.backupWrite'));
  write.addEventListener('click', async () => {
    if (p1.value.length < 8) {
      p1.setAttribute('aria-invalid', 'true');
      p1.focus();
      return say(errorBox({ code: 'BACKUP_WEAK_PASSPHRASE', params: { min: 8 } }, 'backup-error'), t('home.backupTooShort'));
    }
    if (p1.value !== p2.value) {
      p2.setAttribute('aria-invalid', 'true');
      p2.focus();
      return say(h('p', { class: 'notice notice--error', role: 'alert', dataset: { testid: 'backup-error' } }, t('home.backupMismatch')), t('home.backupMismatch'));
    }
    write.disabled = true;
    write.textContent = t('home.backupWriting');
    try {
      const done = await ctx.api.backupWrite(uai, p1.value);
      if (done) {
        p1.value = '';
        p2.value = '';
        await redraw();
        announce(t('home.backupWritten', { path: done.path }));
      }
    } catch (err) {
      say(errorBox(err, 'backup-error'), t('home.backupWrite'));
    } finally {
      write.disabled = false;
      write.textContent = t('home.backupWrite');
    }
  });
  const last = today.last_backup
    ? t('home.backupLast', { date: formatDateTime(today.last_backup) })
    : t('home.backupNever');
  return h('section', { id: 'sauvegarde', 'aria-labelledby': 'home-backup-title', class: 'home-backup', dataset: { testid: 'home-backup' } },
    h('h2', { id: 'home-backup-title' }, t('home.backupTitle')),
    h('p', { dataset: { testid: 'backup-last' } }, last),
    h('p', { class: 'muted' }, t('home.backupLead')),
    p1Field, p2Field,
    h('div', { class: 'toolbar' }, write),
    result,
    restoreSection(ctx),
  );
}

export default {
  id: 'accueil',
  titleKey: 'nav.accueil',
  async render(root, ctx) {
    root.append(viewTitle(t('nav.accueil')));
    const entry = usableEstablishment(root, ctx, 'home-error');
    if (!entry) return;
    if (entry.fictional) {
      const remove = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'demo-remove' } }, t('home.fictionalRemove'));
      remove.addEventListener('click', async () => {
        remove.disabled = true;
        try {
          await ctx.api.demoRemove(entry.uai);
          await ctx.refresh();
          announce(t('home.fictionalRemoved'));
        } catch (err) {
          remove.disabled = false;
          root.append(errorBox(err, 'home-error'));
        }
      });
      root.append(h('div', { class: 'notice notice--warn', dataset: { testid: 'home-fictional' } }, h('p', {}, t('home.fictional')), h('div', { class: 'toolbar' }, remove)));
    }
    const loading = h('p', { class: 'loading' }, t('app.loading'));
    root.append(loading);
    const body = h('div', {});
    const draw = async () => {
      const counts = await ctx.api.establishmentStatus(entry.uai);
      // What to do and the backup stand even when one of them cannot be read.
      const today = await ctx.api.homeToday(entry.uai).catch((err) => ({ error: err }));
      clear(body);
      if (today.error) body.append(errorBox(today.error, 'home-error'));
      else body.append(todayList(today));
      if (PEOPLE.some((key) => counts[key] > 0)) {
        // The home figures stand even when the groups cannot be read.
        const managed = await ctx.api.groupsOverview(entry.uai).then((o) => o.groups.length, () => null);
        body.append(figures(counts, managed));
      } else {
        const batches = (await ctx.api.importHistory(entry.uai)).length;
        body.append(noPopulation(counts, batches));
      }
      if (!today.error) body.append(backupSection(ctx, entry.uai, today, draw));
    };
    try {
      await draw();
      loading.replaceWith(body);
    } catch (err) {
      loading.replaceWith(errorBox(err, 'home-error'));
    }
  },
};
