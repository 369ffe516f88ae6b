// Annuaire: find anyone in the establishment or in the whole ENT as one
// types (accents, case and word order aside), or by the console's advanced
// criteria; read a person's fiche (every source with its values and where
// they disagree, functions and the messaging nodes they feed, responsables
// and children with the link each comes from, the ENT account and what waits
// for it); list the results as CSV; create the accounts no national feed
// gives after looking through the whole ENT; add a function; link an AESH;
// prepare an incident ticket that follows the four rules.
import { h, clear } from '../components/dom.js';
import { announce, errorBox } from '../components/notice.js';
import { t, tn, formatDate, has } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { dateField } from '../components/date-field.js';
import { actions, usableEstablishment } from './common.js';

const PROFILES = ['eleve', 'responsable', 'enseignant', 'non_enseignant', 'personnel_collectivite', 'invite', 'maitre_de_stage', 'inspecteur'];
const profileLabel = (p) => (has(`dir.profile.${p}`) ? t(`dir.profile.${p}`) : p);
const fieldLabel = (f) => (has(`dir.field.${f}`) ? t(`dir.field.${f}`) : f);
const sourceLabel = (s) => (has(`dir.source.${s}`) ? t(`dir.source.${s}`) : s);
const nodeLabel = (n) => String(n || '').split('/').join(' › ');
const isoDate = (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v || '') ? formatDate(v) : v);

function select(id, label, options, testid, value = '') {
  const el = h('select', { id, dataset: { testid } }, options.map(([v, text]) => h('option', { value: v, selected: v === value ? '' : null }, text)));
  return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
}

function input(id, label, testid, attrs = {}) {
  const el = h('input', { type: 'text', id, dataset: { testid }, ...attrs });
  return { el, field: h('div', { class: 'field' }, h('label', { for: id }, label), el) };
}

/** Where a source's values come from: « Fichier.xml, importé le 01/09/2026 », « créé par marie le … ». */
function origin(s) {
  if (s.file) return s.date ? t('dir.importedOn', { file: s.file, date: formatDate(s.date) }) : s.file;
  if (s.by) return t('dir.createdBy', { who: String(s.by).split('@')[0], date: formatDate(s.date) });
  return '';
}

/** A change waiting for the ENT, in words. */
function pendingText(p) {
  return p.kinds.map((k) => (k === 'join' || k === 'leave' ? t(`dir.pendingKind.${k}`, { group: p.group || '' }) : t(`dir.pendingKind.${k}`))).join(', ');
}

function functionText(f) {
  const codes = f.discipline && f.discipline !== '-' ? `${f.code} ${f.discipline}` : f.code;
  return f.label ? `${codes} — ${f.label}` : codes;
}

export default {
  id: 'annuaire',
  titleKey: 'nav.annuaire',
  async render(root, ctx) {
    root.append(viewTitle(t('nav.annuaire')), h('p', { class: 'lead' }, t('dir.lead')));
    const entry = usableEstablishment(root, ctx, 'dir-error');
    if (!entry) return;
    const uai = entry.uai;
    // Its own establishment by name, as the console shows it; others by their UAI.
    const etabName = (code) => (code === uai && entry.name ? entry.name : code || '');
    const status = h('div', { 'aria-live': 'polite', dataset: { testid: 'dir-status' } });
    let choices = null;
    try {
      choices = await ctx.api.directoryChoices(uai);
    } catch (err) {
      if (!ctx.isCurrent()) return;
      if (err && err.code === 'NO_POPULATION') {
        root.append(h('section', { class: 'notice empty-state', dataset: { testid: 'dir-empty' } },
          h('h2', { class: 'notice__title' }, t('emptyData.title')),
          h('p', {}, t('dir.needsImport')),
          h('p', {}, h('a', { href: '#/imports', class: 'btn' }, t('emptyData.goImports')))));
      } else {
        root.append(errorBox(err, 'dir-error'));
      }
      return;
    }
    if (!ctx.isCurrent()) return;

    const { fail, run } = actions(status, 'dir-error');

    // ——— Search ———
    const scopeName = `dir-scope-${uai}`;
    const scopeRadio = (value, key, checked) => {
      const id = `dir-scope-${value}`;
      return h('span', { class: 'radio' },
        h('input', { type: 'radio', name: scopeName, id, value, checked: checked ? '' : null, dataset: { testid: id } }),
        ' ', h('label', { for: id }, t(key)));
    };
    const scopes = h('fieldset', { class: 'scopes' }, h('legend', {}, t('dir.scope')),
      scopeRadio('etablissement', 'dir.scopeEtab', true), ' ', scopeRadio('academie', 'dir.scopeAll', false));
    const box = h('input', { type: 'search', id: 'dir-query', autocomplete: 'off', spellcheck: 'false', size: '40', dataset: { testid: 'dir-query' } });
    const profile = select('dir-profile', t('dir.profil'), [['', t('dir.any')], ...PROFILES.map((p) => [p, profileLabel(p)])], 'dir-profile');
    const classe = select('dir-classe', t('dir.classe'), [['', t('dir.any')], ...choices.classes.map((c) => [c, c])], 'dir-classe');
    const matiere = select('dir-matiere', t('dir.matiere'), [['', t('dir.any')], ...choices.subjects.map(([c, l]) => [c, l || c])], 'dir-matiere');
    const groupe = select('dir-groupe', t('dir.groupe'), [['', t('dir.any')], ...choices.groups.map(([id, name]) => [id, name])], 'dir-groupe');
    const fonction = select('dir-fonction', t('dir.fonction'), [['', t('dir.any')],
      ...choices.functions.map((f) => [f.code, `${f.label} (${f.code})`]),
      ...choices.disciplines.map(([code, d]) => [`${code}/${d.code}`, `${d.code} — ${d.label}`])], 'dir-fonction');
    const etab = input('dir-etab', t('dir.etablissement'), 'dir-etab', { size: '10', maxlength: '8', placeholder: '0999001W' });
    const advanced = h('details', { class: 'advanced', dataset: { testid: 'dir-advanced' } },
      h('summary', {}, t('dir.advanced')),
      h('div', { class: 'toolbar' }, profile.field, classe.field, matiere.field, groupe.field, fonction.field, etab.field));
    const count = h('p', { class: 'muted', 'aria-live': 'polite', dataset: { testid: 'dir-count' } });
    const results = h('div', { dataset: { testid: 'dir-results' } });
    const csvButton = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'dir-csv' } }, t('dir.csv'));
    const createButton = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'dir-new' } }, t('dir.createUser'));
    const ticketButton = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'dir-ticket' } }, t('dir.ticket'));
    const panel = h('div', { dataset: { testid: 'dir-panel' } });

    root.append(
      h('section', { 'aria-labelledby': 'dir-search-title' },
        h('h2', { id: 'dir-search-title' }, t('dir.search')),
        scopes,
        h('div', { class: 'field' }, h('label', { for: 'dir-query' }, t('dir.queryLabel')), h('p', { class: 'field__hint', id: 'dir-query-hint' }, t('dir.queryHint')), box),
        advanced,
        h('div', { class: 'toolbar' }, csvButton, createButton, ticketButton),
        count, results),
      status, panel);
    box.setAttribute('aria-describedby', 'dir-query-hint');

    const scope = () => (root.querySelector(`input[name="${scopeName}"]:checked`) || {}).value || 'etablissement';
    const criteria = () => ({
      profile: profile.el.value || null,
      classe: classe.el.value || null,
      matiere: matiere.el.value || null,
      groupe: groupe.el.value || null,
      fonction: fonction.el.value || null,
      etablissement: etab.el.value.trim() || null,
    });
    const anyCriterion = () => Object.values(criteria()).some(Boolean);

    let seq = 0;
    let lastHits = [];
    const searchNow = async () => {
      const mine = ++seq;
      const query = box.value.trim();
      if (!query && !anyCriterion()) {
        clear(results);
        clear(count);
        lastHits = [];
        results.append(h('p', { class: 'muted', dataset: { testid: 'dir-hint' } }, t(scope() === 'academie' ? 'dir.typeAll' : 'dir.typeEtab')));
        return;
      }
      let found;
      try {
        found = await ctx.api.directorySearch(uai, query, scope(), criteria(), 50);
      } catch (err) {
        if (mine === seq) fail(err, results);
        return;
      }
      if (mine !== seq || !ctx.isCurrent()) return;
      lastHits = found.hits;
      clear(results);
      clear(count);
      if (scope() === 'academie' && found.academy_accounts === 0) {
        results.append(h('div', { class: 'notice', dataset: { testid: 'dir-no-academy' } },
          h('p', { class: 'notice__title' }, t('dir.noAcademyTitle')), h('p', {}, t('dir.noAcademy'))));
        return;
      }
      if (found.hits.length === 0) {
        results.append(h('p', { dataset: { testid: 'dir-none' } }, t('dir.none')));
        return;
      }
      count.textContent = found.hits.length >= 50 ? t('dir.first', { count: 50 }) : tn('dir.results', found.hits.length);
      const rows = found.hits.map((hit) => {
        const id = hit.person || hit.account;
        const open = h('button', { type: 'button', class: 'btn btn--small btn--secondary', dataset: { testid: 'dir-open' }, 'aria-label': t('dir.openFor', { name: `${hit.prenom} ${hit.nom}` }) }, t('dir.open'));
        open.addEventListener('click', () => showFiche(id, hit));
        return h('tr', { dataset: { testid: 'dir-row', id } },
          h('td', {}, hit.nom.toUpperCase()),
          h('td', {}, hit.prenom),
          h('td', {}, profileLabel(hit.profil), hit.classes.length ? h('span', { class: 'muted' }, ` ${hit.classes.slice(0, 3).join(', ')}`) : ''),
          h('td', {}, t(`dir.etat.${hit.etat}`)),
          h('td', {}, etabName(hit.etablissements[0])),
          h('td', {}, open));
      });
      results.append(h('div', { class: 'table-wrap' }, h('table', { dataset: { testid: 'dir-table' } },
        h('caption', { class: 'visually-hidden' }, t('dir.search')),
        h('thead', {}, h('tr', {}, ...['dir.col.nom', 'dir.col.prenom', 'dir.col.profil', 'dir.col.etat', 'dir.col.etab', 'dir.col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows))));
    };
    box.addEventListener('input', () => { searchNow(); });
    root.querySelectorAll(`input[name="${scopeName}"]`).forEach((r) => r.addEventListener('change', () => { searchNow(); }));
    [profile.el, classe.el, matiere.el, groupe.el, fonction.el].forEach((el) => el.addEventListener('change', () => { searchNow(); }));
    etab.el.addEventListener('input', () => { searchNow(); });
    csvButton.addEventListener('click', run(async () => {
      const path = await ctx.api.directoryCsv(uai, box.value.trim(), scope(), criteria());
      if (path) announce(t('dir.csvWritten', { path }));
    }));
    searchNow();

    // ——— Fiche ———
    let current = null;
    const section = (title, testid, ...children) => h('section', { class: 'fiche__part', dataset: { testid } }, h('h3', {}, title), ...children);

    async function showFiche(id) {
      clear(panel);
      clear(status);
      panel.append(h('p', { class: 'loading' }, t('app.loading')));
      let f;
      try {
        f = await ctx.api.directoryFiche(uai, id);
      } catch (err) {
        fail(err, panel);
        return;
      }
      current = f;
      clear(panel);
      const title = h('h2', { id: 'dir-fiche-title', tabindex: '-1' }, `${f.nom.toUpperCase()} ${f.prenom}`);
      const parts = [];
      parts.push(h('p', {}, profileLabel(f.profil),
        f.classes.length ? ` — ${t('dir.classes')} ${f.classes.join(', ')}` : '',
        f.naissance ? ` — ${t('dir.born', { date: isoDate(f.naissance) })}` : '',
        f.left ? ` — ${t('dir.left')}` : ''));
      // Sources, side by side.
      const fields = ['nom', 'prenom', 'naissance', 'ine', 'courriel', 'classes', 'login'].filter((k) => f.sources.some((s) => s.values.some(([x]) => x === k)));
      const disagree = new Set(f.disagreements.map((d) => d.field));
      if (f.sources.length) {
        parts.push(section(t('dir.sources'), 'dir-sources',
          h('div', { class: 'table-wrap' }, h('table', {},
            h('caption', { class: 'visually-hidden' }, t('dir.sources')),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('dir.sourceCol')), ...fields.map((k) => h('th', { scope: 'col' }, fieldLabel(k))))),
            h('tbody', {}, f.sources.map((s) => h('tr', { dataset: { testid: 'dir-source', source: s.source } },
              h('th', { scope: 'row' }, sourceLabel(s.source), origin(s) ? h('span', { class: 'muted small' }, h('br', {}), origin(s)) : ''),
              ...fields.map((k) => {
                const v = (s.values.find(([x]) => x === k) || [])[1];
                const text = v === undefined ? '—' : (k === 'naissance' ? isoDate(v) : v);
                return h('td', { class: disagree.has(k) && v !== undefined ? 'disagree' : null }, text);
              }))))))));
      }
      if (f.disagreements.length) {
        parts.push(h('div', { class: 'notice notice--warn', dataset: { testid: 'dir-disagree' } },
          h('p', { class: 'notice__title' }, t('dir.disagreeTitle')),
          h('ul', {}, f.disagreements.map((d) => h('li', {}, `${fieldLabel(d.field)} : `,
            d.values.map(([s, v]) => `${sourceLabel(s)} « ${d.field === 'naissance' ? isoDate(v) : v} »`).join(', '))))));
      }
      if (f.groups.length) parts.push(section(t('dir.groups'), 'dir-groups', h('p', {}, f.groups.map(([, n]) => n).join(', '))));
      // Functions and nodes.
      const funcs = h('div', {});
      funcs.append(f.functions.length
        ? h('ul', { dataset: { testid: 'dir-functions' } }, f.functions.map((fl) => h('li', {},
          fl.code ? functionText(fl) : t('dir.byHandNode'),
          fl.node ? h('span', {}, ` → ${t('dir.inNode', { node: nodeLabel(fl.node) })}`) : h('span', { class: 'muted' }, ` — ${t('dir.noNode')}`),
          fl.by === 'preau' ? h('span', { class: 'muted' }, ` (${t('dir.addedHere')})`) : '',
          fl.code ? removeFunction(f, fl) : '')))
        : h('p', { class: 'muted' }, t('dir.noFunction')));
      funcs.append(addFunction(f));
      if (!['eleve', 'responsable'].includes(f.profil)) parts.push(section(t('dir.functions'), 'dir-functions-part', funcs));
      // Responsables / children.
      const who = (l) => {
        const id = l.person || l.account;
        if (!id) return h('strong', {}, l.name);
        const b = h('button', { type: 'button', class: 'link-button', dataset: { testid: 'dir-link-open' }, 'aria-label': t('dir.openFor', { name: l.name }) }, l.name);
        b.addEventListener('click', () => showFiche(id));
        return b;
      };
      const linkItem = (l) => h('li', { dataset: { testid: 'dir-link' } },
        who(l), ' — ',
        l.level ? t(`dir.level.${l.level}`) : t('dir.notSiecle'),
        l.from.length ? h('span', { class: 'muted' }, ` (${t('dir.from', { sources: l.from.map(sourceLabel).join(', ') })})`) : '',
        l.access ? '' : h('span', { class: 'muted' }, ` — ${t('dir.noAccess')}`),
        l.correct_in ? h('p', { class: 'small', dataset: { testid: 'dir-correct' } }, t(`dir.correct.${l.correct_in}`, {
          file: l.correct_file || t('dir.correctFile'),
          who: `${f.nom.toUpperCase()} ${f.prenom}`,
          level: l.level ? t(`dir.level.${l.level}`) : '',
          child: l.name,
        })) : '');
      if (f.responsables.length) parts.push(section(t('dir.responsables'), 'dir-responsables', h('ul', {}, f.responsables.map(linkItem))));
      if (f.children.length) {
        parts.push(section(t('dir.children'), 'dir-children', h('p', { class: 'muted' }, t('dir.childrenHelp')), h('ul', {}, f.children.map(linkItem))));
      }
      // AESH and tutors.
      if (f.profil !== 'eleve' && f.profil !== 'responsable') parts.push(section(t('dir.follows'), 'dir-follows', followEditor(f)));
      if (f.followed_by.length) parts.push(section(t('dir.followedBy'), 'dir-followed-by', h('ul', {}, f.followed_by.map((l) => h('li', {}, who(l))))));
      if (f.links.length) parts.push(section(t('dir.links'), 'dir-links', h('ul', {}, f.links.map(([s, id]) => h('li', {}, `${sourceLabel(s)} : ${id}`)))));
      // The ENT account.
      const acc = f.account;
      parts.push(section(t('dir.account'), 'dir-account', acc
        ? h('div', {},
          h('p', {}, t('dir.login', { login: acc.login }), ' — ', h('strong', { dataset: { testid: 'dir-state' } }, t(`dir.etat.${acc.state}`)),
            acc.hand_made ? h('span', { class: 'muted' }, ` — ${acc.until ? t('dir.until', { date: isoDate(acc.until) }) : t('dir.perenne')}`) : ''),
          acc.hand_made && acc.state === 'a_creer' ? loginEditor(f, acc) : '',
          acc.hand_made && acc.state !== 'ferme' ? endEditor(f) : '')
        : h('p', { class: 'muted' }, t('dir.noAccount'))));
      if (f.pending.length) {
        parts.push(section(t('dir.pending'), 'dir-pending', h('ul', {}, f.pending.map((p) => h('li', {}, pendingText(p), p.state === 'conflict' ? ` — ${t('dir.conflict')}` : ''))),
          h('p', {}, h('a', { href: '#/synchronisation' }, t('dir.goSync')))));
      }
      const ticket = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'dir-fiche-ticket' } }, t('dir.ticket'));
      ticket.addEventListener('click', () => openTicket([{ id: f.person, name: `${f.nom.toUpperCase()} ${f.prenom}` }]));
      panel.append(h('section', { class: 'fiche', 'aria-labelledby': 'dir-fiche-title', dataset: { testid: 'dir-fiche' } }, title, ...parts, h('div', { class: 'toolbar' }, ticket)));
      title.focus();
      title.scrollIntoView({ block: 'start' });
    }

    function removeFunction(f, fl) {
      const b = h('button', { type: 'button', class: 'btn btn--small btn--quiet', dataset: { testid: 'dir-fn-remove' } }, t('dir.remove'));
      b.addEventListener('click', run(async () => {
        const code = fl.discipline ? `${fl.code}/${fl.discipline}` : fl.code;
        await ctx.api.directoryFunction(uai, f.person, code, false, true);
        announce(t('dir.fnRemoved'));
        await showFiche(f.person);
      }));
      return h('span', {}, ' ', b);
    }

    function addFunction(f) {
      const opts = [['', t('dir.choose')],
        ...choices.disciplines.map(([code, d]) => [`${code}/${d.code}`, `${(choices.functions.find((x) => x.code === code) || { label: code }).label} — ${d.code} ${d.label}`]),
        ...choices.functions.map((x) => [x.code, `${x.label} (${x.code})`])];
      const pick = select('dir-fn-pick', t('dir.fnPick'), opts, 'dir-fn-pick');
      const preview = h('div', { 'aria-live': 'polite', dataset: { testid: 'dir-fn-preview' } });
      const confirm = h('button', { type: 'button', class: 'btn', hidden: '', dataset: { testid: 'dir-fn-confirm' } }, t('dir.fnConfirm'));
      pick.el.addEventListener('change', run(async () => {
        clear(preview);
        confirm.hidden = true;
        if (!pick.el.value) return;
        const p = await ctx.api.directoryFunction(uai, f.person, pick.el.value, true, false);
        if (p.unchanged) {
          preview.append(h('p', {}, t('dir.fnAlready')));
          return;
        }
        // What the change moves: the nodes entered and left, in the tree's words.
        const short = (n) => `« ${nodeLabel(String(n).replace(/^Mon établissement\//, ''))} »`;
        const entered = p.after.filter((n) => !p.before.includes(n));
        const left = p.before.filter((n) => !p.after.includes(n));
        const lines = [];
        if (entered.length) lines.push(h('li', {}, t('dir.fnEnters', { nodes: entered.map(short).join(', ') })));
        if (left.length) lines.push(h('li', {}, t('dir.fnLeaves', { nodes: left.map(short).join(', ') })));
        if (!lines.length) lines.push(h('li', {}, t('dir.fnNoMove')));
        preview.append(h('p', {}, t('dir.fnPreviewTitle')), h('ul', {}, lines),
          p.account ? '' : h('p', { class: 'muted' }, t('dir.fnNoAccount')));
        confirm.hidden = false;
      }, preview));
      confirm.addEventListener('click', run(async () => {
        await ctx.api.directoryFunction(uai, f.person, pick.el.value, true, true);
        announce(t('dir.fnAdded'));
        await showFiche(f.person);
      }));
      return h('div', { class: 'fn-add' }, h('div', { class: 'toolbar' }, pick.field), preview, confirm);
    }

    function followEditor(f) {
      const list = f.follows.length
        ? h('ul', { dataset: { testid: 'dir-follows-list' } }, f.follows.map((l) => {
          const b = h('button', { type: 'button', class: 'btn btn--small btn--quiet' }, t('dir.remove'));
          b.addEventListener('click', run(async () => {
            await ctx.api.directoryFollow(uai, f.person, [l.person], false);
            await showFiche(f.person);
          }));
          return h('li', {}, l.name, ' ', b);
        }))
        : h('p', { class: 'muted' }, t('dir.followsNone'));
      const pick = select('dir-follow-pick', t('dir.followPick'), [['', t('dir.choose')], ...choices.pupils.map(([id, name]) => [id, name])], 'dir-follow-pick');
      const add = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'dir-follow-add' } }, t('dir.followAdd'));
      add.addEventListener('click', run(async () => {
        if (!pick.el.value) return;
        await ctx.api.directoryFollow(uai, f.person, [pick.el.value], true);
        announce(t('dir.followAdded'));
        await showFiche(f.person);
      }));
      return h('div', {}, h('p', { class: 'muted' }, t('dir.followsHelp')), list, h('div', { class: 'toolbar' }, pick.field, add));
    }

    /** Before the ENT creates it: another login (one the server already holds is refused). */
    function loginEditor(f, acc) {
      const field = input('dir-login', t('dir.newLogin'), 'dir-login', { value: acc.login, size: '30', spellcheck: 'false' });
      const save = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'dir-login-save' } }, t('dir.changeLogin'));
      save.addEventListener('click', run(async () => {
        await ctx.api.syncSetLogin(uai, acc.id, field.el.value.trim());
        announce(t('dir.loginChanged'));
        await showFiche(f.person);
      }));
      return h('div', { class: 'toolbar' }, field.field, save);
    }

    function endEditor(f) {
      const date = dateField({ id: 'dir-end-date', label: t('dir.newEnd'), testid: 'dir-end-date' });
      const extend = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'dir-extend' } }, t('dir.extend'));
      const perenne = h('button', { type: 'button', class: 'btn btn--secondary' }, t('dir.makePerenne'));
      const close = h('button', { type: 'button', class: 'btn btn--quiet', dataset: { testid: 'dir-close' } }, t('dir.closeAccount'));
      extend.addEventListener('click', run(async () => {
        const iso = date.iso();
        if (!iso) throw { code: 'ACCOUNT_NO_END', message: t('dir.endNeeded'), params: {} };
        await ctx.api.directoryEnd(uai, f.person, iso, false);
        announce(t('dir.extended'));
        await showFiche(f.person);
      }));
      perenne.addEventListener('click', run(async () => {
        await ctx.api.directoryEnd(uai, f.person, null, false);
        announce(t('dir.extended'));
        await showFiche(f.person);
      }));
      close.addEventListener('click', run(async () => {
        await ctx.api.directoryEnd(uai, f.person, null, true);
        announce(t('dir.closed'));
        await showFiche(f.person);
      }));
      return h('div', {}, date.element, h('div', { class: 'toolbar' }, extend, perenne, close));
    }

    // ——— Create ———
    createButton.addEventListener('click', () => {
      clear(panel);
      clear(status);
      const prof = select('new-profile', t('dir.profil'), choices.creatable.map((p) => [p, profileLabel(p)]), 'new-profile');
      const civ = select('new-civility', t('dir.civility'), [['', t('dir.none2')], ['M.', 'M.'], ['Mme', 'Mme']], 'new-civility');
      const prenom = input('new-prenom', t('dir.prenomReq'), 'new-prenom', { required: '' });
      const nom = input('new-nom', t('dir.nomReq'), 'new-nom', { required: '' });
      const mail = input('new-mail', t('dir.mail'), 'new-mail', { type: 'email', size: '30' });
      const telPerso = input('new-tel-perso', t('dir.telPerso'), 'new-tel-perso', { type: 'tel' });
      const telPro = input('new-tel-pro', t('dir.telPro'), 'new-tel-pro', { type: 'tel' });
      const fn = select('new-function', t('dir.fnPick'), [['', t('dir.none2')],
        ...choices.disciplines.map(([code, d]) => [`${code}/${d.code}`, `${code} — ${d.code} ${d.label}`]),
        ...choices.functions.map((x) => [x.code, `${x.label} (${x.code})`])], 'new-function');
      const grp = select('new-group', t('dir.groupe'), [['', t('dir.none2')], ...choices.groups.map(([id, name]) => [id, name])], 'new-group');
      const perName = 'new-perenne';
      const per = (v, key, checked) => h('span', { class: 'radio' }, h('input', { type: 'radio', name: perName, id: `new-perenne-${v}`, value: v, checked: checked ? '' : null, dataset: { testid: `new-perenne-${v}` } }), ' ', h('label', { for: `new-perenne-${v}` }, t(key)));
      const until = dateField({ id: 'new-until', label: t('dir.untilLabel'), testid: 'new-until' });
      const reason = input('new-reason', t('dir.reason'), 'new-reason', { size: '40' });
      const likely = h('div', { 'aria-live': 'polite', dataset: { testid: 'new-likely' } });
      const outcome = h('div', {});
      const check = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'new-check' } }, t('dir.check'));
      const create = h('button', { type: 'button', class: 'btn', dataset: { testid: 'new-create' } }, t('dir.create'));
      const account = () => {
        const perenne = (root.querySelector(`input[name="${perName}"]:checked`) || {}).value === 'oui';
        return {
          profile: prof.el.value,
          civility: civ.el.value || null,
          nom: nom.el.value,
          prenom: prenom.el.value,
          email: mail.el.value || null,
          phones: [telPerso.el.value, telPro.el.value].filter((x) => x.trim()),
          functions: fn.el.value ? [fn.el.value] : [],
          groups: grp.el.value ? [grp.el.value] : [],
          until: perenne ? null : until.iso(),
          perenne,
          reason: reason.el.value,
        };
      };
      let confirmBox = null;
      const showLikely = (list) => {
        clear(likely);
        confirmBox = null;
        if (!list.length) {
          likely.append(h('p', { class: 'notice notice--ok', dataset: { testid: 'new-none-likely' } }, t('dir.noneLikely')));
          return;
        }
        confirmBox = h('input', { type: 'checkbox', id: 'new-force', dataset: { testid: 'new-force' } });
        likely.append(h('div', { class: 'notice notice--warn', dataset: { testid: 'new-likely-list' } },
          h('p', { class: 'notice__title' }, tn('dir.likelyTitle', list.length)),
          h('ul', {}, list.map((l) => h('li', { dataset: { testid: 'new-likely-item' } },
            h('strong', {}, `${l.nom.toUpperCase()} ${l.prenom}`), ` — ${profileLabel(l.profil)} — ${l.etablissements.join(', ')}`,
            l.reasons.length ? h('span', { class: 'muted' }, ` (${l.reasons.join(' ; ')})`) : ''))),
          h('p', {}, t('dir.likelyAdvice')),
          h('p', {}, confirmBox, ' ', h('label', { for: 'new-force' }, t('dir.force')))));
      };
      check.addEventListener('click', run(async () => {
        showLikely(await ctx.api.directoryLikely(uai, account()));
      }, outcome));
      create.addEventListener('click', run(async () => {
        clear(outcome);
        const a = account();
        if (!confirmBox) {
          const list = await ctx.api.directoryLikely(uai, a);
          showLikely(list);
          if (list.length) return;
        }
        const created = await ctx.api.directoryCreate(uai, a, Boolean(confirmBox && confirmBox.checked));
        announce(t('dir.created', { name: `${created.account.prenom} ${created.account.nom}`, login: created.account.login }));
        await showFiche(created.account.id);
      }, outcome));
      const title = h('h2', { id: 'new-title', tabindex: '-1' }, t('dir.createUser'));
      panel.append(h('section', { 'aria-labelledby': 'new-title', class: 'create', dataset: { testid: 'dir-create' } },
        title,
        h('p', { class: 'muted' }, t('dir.createLead')),
        h('h3', {}, t('dir.general')),
        h('div', { class: 'toolbar' }, prof.field, civ.field),
        h('div', { class: 'toolbar' }, prenom.field, nom.field),
        h('div', { class: 'toolbar' }, mail.field, telPerso.field, telPro.field),
        h('h3', {}, t('dir.availability')),
        h('fieldset', {}, h('legend', {}, t('dir.perenneQ')), per('oui', 'dir.yes', false), ' ', per('non', 'dir.no', true)),
        until.element,
        reason.field,
        h('h3', {}, t('dir.attach')),
        h('div', { class: 'toolbar' }, grp.field, fn.field),
        h('p', { class: 'muted' }, t('dir.noPassword')),
        h('div', { class: 'toolbar' }, check, create),
        likely, outcome));
      title.focus();
      title.scrollIntoView({ block: 'start' });
    });

    // ——— Ticket ———
    function openTicket(people) {
      clear(panel);
      clear(status);
      const chosen = [...people];
      const titre = input('tk-title', t('dir.tk.title'), 'tk-title', { size: '60' });
      const area = (id, key) => {
        const el = h('textarea', { id, rows: '3', cols: '60', dataset: { testid: id } });
        return { el, field: h('div', { class: 'field' }, h('label', { for: id }, t(key)), el) };
      };
      const attendu = area('tk-expected', 'dir.tk.expected');
      const constate = area('tk-seen', 'dir.tk.seen');
      const depuis = dateField({ id: 'tk-since', label: t('dir.tk.since'), testid: 'tk-since' });
      const who = h('ul', { dataset: { testid: 'tk-people' } });
      const drawWho = () => {
        clear(who);
        if (!chosen.length) who.append(h('li', { class: 'muted' }, t('dir.tk.nobody')));
        chosen.forEach((p, i) => {
          const b = h('button', { type: 'button', class: 'btn btn--small btn--quiet' }, t('dir.remove'));
          b.addEventListener('click', () => { chosen.splice(i, 1); drawWho(); });
          who.append(h('li', {}, p.name, ' ', b));
        });
      };
      drawWho();
      const fromResults = select('tk-pick', t('dir.tk.pick'), [['', t('dir.choose')], ...lastHits.filter((x) => x.person || x.account).map((x) => [x.person || x.account, `${x.nom.toUpperCase()} ${x.prenom} — ${profileLabel(x.profil)}`])], 'tk-pick');
      fromResults.el.addEventListener('change', () => {
        const id = fromResults.el.value;
        const hit = lastHits.find((x) => (x.person || x.account) === id);
        if (hit && !chosen.some((c) => c.id === id)) chosen.push({ id, name: `${hit.nom.toUpperCase()} ${hit.prenom}` });
        fromResults.el.value = '';
        drawWho();
      });
      let shot = null;
      const shotText = h('span', { class: 'muted', dataset: { testid: 'tk-shot' } }, t('dir.tk.noShot'));
      const shotButton = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'tk-shot-pick' } }, t('dir.tk.shot'));
      shotButton.addEventListener('click', run(async () => {
        const p = await ctx.api.ticketPickScreenshot();
        if (p) { shot = p; shotText.textContent = p; }
      }));
      const verdict = h('div', { 'aria-live': 'polite', dataset: { testid: 'tk-verdict' } });
      const draft = () => ({ titre: titre.el.value, attendu: attendu.el.value, constate: constate.el.value, depuis: depuis.iso(), personnes: chosen.map((c) => c.id) });
      const showBroken = (broken) => {
        clear(verdict);
        if (!broken.length) {
          verdict.append(h('p', { class: 'notice notice--ok', dataset: { testid: 'tk-ok' } }, t('dir.tk.ok')));
          verdict.scrollIntoView({ block: 'nearest' });
          return;
        }
        verdict.append(h('div', { class: 'notice notice--warn', tabindex: '-1', dataset: { testid: 'tk-broken' } },
          h('p', { class: 'notice__title' }, tn('dir.tk.broken', broken.length)),
          h('ul', {}, broken.map((b) => h('li', { dataset: { testid: 'tk-rule', rule: String(b.rule) } }, b.message)))));
        // The verdict is what the administrator reads next.
        verdict.scrollIntoView({ block: 'nearest' });
      };
      const checkB = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'tk-check' } }, t('dir.tk.check'));
      const write = h('button', { type: 'button', class: 'btn', dataset: { testid: 'tk-write' } }, t('dir.tk.write'));
      const written = h('div', { dataset: { testid: 'tk-written' } });
      checkB.addEventListener('click', run(async () => showBroken(await ctx.api.ticketCheck(uai, draft())), verdict));
      write.addEventListener('click', run(async () => {
        clear(written);
        const d = draft();
        const broken = await ctx.api.ticketCheck(uai, d);
        showBroken(broken);
        if (broken.length) return;
        const w = await ctx.api.ticketWrite(uai, d, shot);
        if (!w) return;
        const text = h('textarea', { id: 'tk-text', rows: '12', cols: '70', readonly: '', dataset: { testid: 'tk-text' } });
        text.value = w.text;
        const copy = h('button', { type: 'button', class: 'btn btn--secondary' }, t('dir.tk.copy'));
        copy.addEventListener('click', async () => {
          text.select();
          try { await navigator.clipboard.writeText(w.text); } catch (_) { document.execCommand('copy'); }
          announce(t('dir.tk.copied'));
        });
        written.append(h('div', { class: 'notice notice--ok' },
          h('p', { class: 'notice__title' }, t('dir.tk.writtenTitle')),
          h('p', {}, t('dir.tk.writtenIn', { dir: w.dir })),
          h('p', {}, t('dir.tk.attachments', { files: w.attachments.join(', ') }))),
        h('div', { class: 'field' }, h('label', { for: 'tk-text' }, t('dir.tk.toPaste')), text), h('div', { class: 'toolbar' }, copy));
        announce(t('dir.tk.writtenTitle'));
      }, verdict));
      const title = h('h2', { id: 'tk-title-h', tabindex: '-1' }, t('dir.ticket'));
      panel.append(h('section', { 'aria-labelledby': 'tk-title-h', class: 'ticket', dataset: { testid: 'dir-ticket-form' } },
        title,
        h('p', { class: 'muted' }, t('dir.tk.lead')),
        h('ol', { class: 'small' }, [1, 2, 3, 4].map((n) => h('li', {}, t(`dir.tk.rule${n}`)))),
        titre.field, attendu.field, constate.field, depuis.element,
        h('h3', {}, t('dir.tk.who')), who, h('div', { class: 'toolbar' }, fromResults.field),
        h('h3', {}, t('dir.tk.evidence')), h('p', { class: 'muted' }, t('dir.tk.evidenceHelp')),
        h('div', { class: 'toolbar' }, shotButton, shotText),
        h('div', { class: 'toolbar' }, checkB, write), verdict, written));
      title.focus();
      title.scrollIntoView({ block: 'start' });
    }
    ticketButton.addEventListener('click', () => openTicket(current ? [{ id: current.person, name: `${current.nom.toUpperCase()} ${current.prenom}` }] : []));
  },
};
