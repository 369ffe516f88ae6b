// Groupes: the groups the administrator makes — free groups, groups a rule
// keeps populated, the GAR managers. Created from the training's templates,
// renamed, deleted (unless locked); members picked with filters or from a
// CSV; the rule edited with a live count; what a re-evaluation changes
// (entrants, sortants) shown before it is applied. Every change waits in the
// outbox for Synchronisation.
import { h, clear } from '../components/dom.js';
import { announce, errorBox } from '../components/notice.js';
import { t, tn, formatNumber, formatDateTime } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { isNothingImported, nothingImported } from '../components/empty-state.js';
import { actions, usableEstablishment } from './common.js';

const PROFILES = [['', 'grp.any'], ['eleve', 'grp.profile.eleve'], ['parent', 'grp.profile.parent'], ['enseignant', 'grp.profile.enseignant'], ['non-enseignant', 'grp.profile.nonEnseignant'], ['collectivite', 'grp.profile.collectivite']];

/** « 2 entrants, 1 sortant » */
function diffCounts(g) {
  return `${tn('grp.entrantsCount', g.entrants)}, ${tn('grp.sortantsCount', g.sortants)}`;
}

function select(id, label, options, testid) {
  const el = h('select', { id, dataset: { testid } }, options.map(([value, text]) => h('option', { value }, text)));
  return [h('label', { for: id }, label), ' ', el];
}

export default {
  id: 'groupes',
  titleKey: 'nav.groupes',
  async render(root, ctx) {
    root.append(viewTitle(t('nav.groupes')), h('p', { class: 'lead' }, t('grp.lead')));
    const entry = usableEstablishment(root, ctx, 'grp-error');
    if (!entry) return;
    const uai = entry.uai;
    const status = h('div', { 'aria-live': 'polite', dataset: { testid: 'grp-status' } });
    const body = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
    const detail = h('section', { 'aria-labelledby': 'grp-detail-title', dataset: { testid: 'grp-detail' } });
    root.append(status, body, detail);
    let overview = null;

    const { fail, run } = actions(status, 'grp-error');

    /** A rule field with its live count; returns [field, count element]. */
    const ruleField = (id, value, testid) => {
      const input = h('input', { type: 'text', id, size: '50', value: value || '', spellcheck: 'false', dataset: { testid } });
      const count = h('span', { class: 'rule-count', 'aria-live': 'polite', dataset: { testid: `${testid}-count` } });
      let seq = 0;
      const update = async () => {
        const mine = ++seq;
        clear(count);
        const text = input.value.trim();
        if (!text) return;
        try {
          const r = await ctx.api.groupRuleCount(uai, text);
          if (mine === seq) count.append(tn('grp.selects', r.count));
        } catch (err) {
          if (mine === seq) count.append(h('span', { class: 'error-text' }, err.message || String(err)));
        }
      };
      input.addEventListener('input', () => { update(); });
      update();
      return [input, count];
    };

    const draw = async () => {
      overview = await ctx.api.groupsOverview(uai);
      clear(body);
      // What the last imports change.
      const changing = overview.groups.filter((g) => g.entrants + g.sortants > 0);
      if (changing.length > 0) {
        body.append(h('div', { class: 'notice notice--warn', dataset: { testid: 'grp-reevaluate' } },
          h('p', { class: 'notice__title' }, tn('grp.reevaluate', changing.length)),
          h('ul', {}, changing.map((g) => h('li', {}, `${g.name} : `, diffCounts(g), ' ',
            h('button', { type: 'button', class: 'btn btn--small btn--secondary', dataset: { testid: 'grp-see-diff' }, onclick: () => openGroup(g.id) }, t('grp.see')))))));
      }
      // Creation from a template.
      const templates = [['', t('grp.fromScratch')], ...overview.templates.map((tp) => [tp.name, tp.label])];
      const [tLabel, , tSelect] = select('grp-template', t('grp.template'), templates, 'grp-template');
      const name = h('input', { type: 'text', id: 'grp-name', size: '40', dataset: { testid: 'grp-name' } });
      const [rule, count] = ruleField('grp-rule', '', 'grp-rule');
      tSelect.addEventListener('change', () => {
        const tp = overview.templates.find((x) => x.name === tSelect.value);
        name.value = tp ? tp.label : '';
        rule.value = tp && tp.rule ? tp.rule : '';
        rule.dispatchEvent(new Event('input'));
      });
      const create = h('button', { type: 'button', class: 'btn', dataset: { testid: 'grp-create' } }, t('grp.create'));
      create.addEventListener('click', run(async () => {
        const id = await ctx.api.groupCreate(uai, { template: tSelect.value || null, name: name.value, rule: rule.value || null });
        announce(t('grp.created', { name: name.value }));
        await draw();
        await openGroup(id);
      }));
      body.append(h('section', { 'aria-labelledby': 'grp-new-title', class: 'new-group' },
        h('h2', { id: 'grp-new-title' }, t('grp.new')),
        h('p', {}, tLabel, ' ', tSelect),
        h('p', {}, h('label', { for: 'grp-name' }, t('grp.name')), ' ', name),
        h('p', {}, h('label', { for: 'grp-rule' }, t('grp.rule')), ' ', rule, ' ', count),
        h('p', { class: 'muted' }, t('grp.ruleHelp')),
        h('div', { class: 'toolbar' }, create)));
      // The list, searchable.
      const search = h('input', { type: 'search', id: 'grp-search', dataset: { testid: 'grp-search' } });
      const tbody = h('tbody', {});
      const fill = () => {
        clear(tbody);
        const q = search.value.trim().toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');
        const shown = overview.groups.filter((g) => !q || g.name.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').includes(q));
        for (const g of shown) {
          tbody.append(h('tr', { dataset: { testid: 'grp-row', id: g.id } },
            h('th', { scope: 'row' }, h('button', { type: 'button', class: 'link', onclick: () => openGroup(g.id) }, g.name)),
            h('td', {}, t(`grp.kind.${g.kind}`)),
            h('td', { class: 'num', dataset: { testid: 'grp-count' } }, formatNumber(g.members)),
            h('td', {}, t('grp.origins', { auto: formatNumber(g.auto), manual: formatNumber(g.manual) })),
            h('td', {}, g.rule ? h('code', {}, g.rule) : '—'),
            h('td', {}, g.lock_delete || g.lock_recompose ? t('grp.locked') : ''),
            h('td', {}, g.entrants + g.sortants > 0 ? diffCounts(g) : '')));
        }
        if (shown.length === 0) tbody.append(h('tr', {}, h('td', { colspan: '7', class: 'muted' }, overview.groups.length ? t('grp.noMatch') : t('grp.none'))));
      };
      search.addEventListener('input', fill);
      fill();
      body.append(h('section', { 'aria-labelledby': 'grp-list-title' },
        h('h2', { id: 'grp-list-title' }, t('grp.list', { n: formatNumber(overview.groups.length) })),
        h('p', {}, h('label', { for: 'grp-search' }, t('grp.search')), ' ', search),
        h('div', { class: 'table-wrap' }, h('table', { dataset: { testid: 'grp-table' } },
          h('thead', {}, h('tr', {}, ['grp.name', 'grp.kindCol', 'grp.members', 'grp.origin', 'grp.rule', 'grp.locks', 'grp.pending'].map((k) => h('th', { scope: 'col' }, t(k))))),
          tbody))));
    };

    const openGroup = async (id) => {
      const d = await ctx.api.groupDetail(uai, id);
      clear(detail);
      const gar = d.kind === 'gar';
      // Name and deletion.
      const name = h('input', { type: 'text', id: 'grp-rename', size: '40', value: d.name, dataset: { testid: 'grp-rename' } });
      const rename = h('button', { type: 'button', class: 'btn btn--secondary', onclick: run(async () => {
        await ctx.api.groupRename(uai, id, name.value);
        announce(t('grp.renamed'));
        await draw();
        await openGroup(id);
      }) }, t('grp.rename'));
      // Deleting asks once more, in place.
      const confirmDel = h('button', { type: 'button', class: 'btn', hidden: '', dataset: { testid: 'grp-delete-confirm' }, onclick: run(async () => {
        await ctx.api.groupDelete(uai, id);
        announce(t('grp.deleted', { name: d.name }));
        clear(detail);
        await draw();
      }) }, t('grp.confirmDelete', { name: d.name }));
      const del = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'grp-delete' }, onclick: () => {
        confirmDel.hidden = false;
        confirmDel.focus();
      } }, t('grp.delete'));
      del.disabled = d.lock_delete;
      // The rule and what it would change.
      const [rule, count] = ruleField('grp-edit-rule', d.rule || '', 'grp-edit-rule');
      const saveRule = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'grp-save-rule' }, onclick: run(async () => {
        await ctx.api.groupSetRule(uai, id, rule.value);
        announce(t('grp.ruleSaved'));
        await draw();
        await openGroup(id);
      }) }, t('grp.saveRule'));
      const diffCount = d.entrants_list.length + d.sortants_list.length;
      const apply = h('button', { type: 'button', class: 'btn', dataset: { testid: 'grp-apply' }, onclick: run(async () => {
        const n = await ctx.api.groupApply(uai, id);
        announce(tn('grp.applied', n));
        await draw();
        await openGroup(id);
      }) }, t('grp.apply', { n: formatNumber(diffCount) }));
      const names = (list) => list.map((p) => `${p.name}${p.detail ? ` (${p.detail})` : ''}`).join(', ');
      // Members, with a selection to take out.
      const checks = [];
      const memberRows = d.members_list.map((m) => {
        const box = h('input', { type: 'checkbox', 'aria-label': t('grp.selectMember', { name: m.name }), value: m.id });
        checks.push(box);
        return h('tr', { dataset: { testid: 'grp-member', id: m.id } },
          h('td', {}, box),
          h('td', {}, m.name), h('td', {}, m.profile), h('td', {}, m.detail),
          h('td', {}, m.origin === 'AUTO' ? t('grp.auto') : t('grp.manual')),
          gar ? h('td', { dataset: { testid: 'grp-gar-role' } }, m.role ? t(`grp.role.${m.role}`) : '',
            m.active_from ? h('span', { class: 'muted' }, ` — ${t('grp.activeFrom', { at: formatDateTime(m.active_from) })}`) : '') : '');
      });
      const removeSel = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'grp-remove' }, onclick: run(async () => {
        const chosen = checks.filter((c) => c.checked).map((c) => c.value);
        if (chosen.length === 0) return;
        const n = await ctx.api.groupRemove(uai, id, chosen);
        announce(tn('grp.removed', n));
        await draw();
        await openGroup(id);
      }) }, t('grp.removeSelection'));
      // The picker.
      const c = overview.choices;
      const [pl, , profile] = select('grp-f-profile', t('grp.fProfile'), PROFILES.map(([v, k]) => [v, t(k)]), 'grp-f-profile');
      const [ll, , level] = select('grp-f-level', t('grp.fLevel'), [['', t('grp.any')], ...c.levels.map((l) => [l, l])], 'grp-f-level');
      const [cl, , klass] = select('grp-f-class', t('grp.fClass'), [['', t('grp.any')], ...c.classes.map((l) => [l, l])], 'grp-f-class');
      const [dl, , discipline] = select('grp-f-discipline', t('grp.fDiscipline'), [['', t('grp.any')], ...c.disciplines.map(([code, label]) => [code, `${label || code} (${code})`])], 'grp-f-discipline');
      const [fl, , fn] = select('grp-f-function', t('grp.fFunction'), [['', t('grp.any')], ...c.functions.map(([code]) => [code, code])], 'grp-f-function');
      const who = h('input', { type: 'search', id: 'grp-f-name', dataset: { testid: 'grp-f-name' } });
      const results = h('div', { dataset: { testid: 'grp-results' } });
      const role = gar ? select('grp-role', t('grp.roleLabel'), [['gestionnaire', t('grp.role.gestionnaire')], ['responsable', t('grp.role.responsable')]], 'grp-role') : null;
      const searchPeople = run(async () => {
        const people = await ctx.api.groupPeople(uai, { profile: profile.value, level: level.value, class: klass.value, discipline: discipline.value, function: fn.value, name: who.value });
        clear(results);
        const boxes = people.map((p) => h('input', { type: 'checkbox', value: p.id, 'aria-label': t('grp.selectPerson', { name: p.name }), dataset: { testid: 'grp-pick' } }));
        const all = h('button', { type: 'button', class: 'btn btn--small btn--secondary', dataset: { testid: 'grp-pick-all' }, onclick: () => boxes.forEach((b) => { b.checked = true; }) }, t('grp.checkAll'));
        const add = h('button', { type: 'button', class: 'btn', dataset: { testid: 'grp-add' }, onclick: run(async () => {
          const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
          if (chosen.length === 0) return;
          const r = await ctx.api.groupAdd(uai, id, chosen, role ? role[2].value : null);
          announce(t('grp.added', { n: formatNumber(r.added), already: formatNumber(r.already), without: formatNumber(r.without_account) }));
          await draw();
          await openGroup(id);
        }) }, t('grp.addSelection'));
        results.append(
          h('p', {}, tn('grp.found', people.length), ' ', all),
          h('ul', { class: 'pick-list' }, people.map((p, k) => h('li', {}, h('label', {}, boxes[k], ` ${p.name} — ${p.profile}${p.detail ? ` (${p.detail})` : ''}`)))),
          h('div', { class: 'toolbar' }, add));
      });
      // CSV.
      const file = h('input', { type: 'file', id: 'grp-csv', accept: '.csv,.txt', dataset: { testid: 'grp-csv' } });
      const csvOut = h('div', { dataset: { testid: 'grp-csv-result' } });
      const fromCsv = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'grp-csv-add' }, onclick: run(async () => {
        const f = file.files && file.files[0];
        if (!f) return;
        const bytes = Array.from(new Uint8Array(await f.arrayBuffer()));
        const r = await ctx.api.groupAddCsv(uai, id, bytes, f.name);
        clear(csvOut);
        csvOut.append(h('p', {}, t('grp.added', { n: formatNumber(r.added), already: formatNumber(r.already), without: formatNumber(r.without_account) })));
        if (r.problems.length) csvOut.append(h('ul', {}, r.problems.map((p) => h('li', {}, t('grp.csvLine', { line: p.line, message: p.message })))));
        await draw();
      }) }, t('grp.csvAdd'));

      detail.append(
        h('h2', { id: 'grp-detail-title', tabindex: '-1' }, d.name),
        h('p', {}, t(`grp.kind.${d.kind}`), ' — ', t('grp.memberCount', { n: formatNumber(d.members), auto: formatNumber(d.auto), manual: formatNumber(d.manual) }),
          d.lock_delete ? h('span', { class: 'muted' }, ` — ${t('grp.lockedDelete')}`) : ''),
        gar ? h('p', { class: 'notice', dataset: { testid: 'grp-gar-note' } }, t('grp.garNote', { max: formatNumber(overview.gar_helpers_max) })) : '',
        h('div', { class: 'toolbar' }, h('label', { for: 'grp-rename' }, t('grp.name')), name, rename, del, confirmDel),
        h('h3', {}, t('grp.ruleTitle')),
        h('p', {}, rule, ' ', count),
        h('div', { class: 'toolbar' }, saveRule),
        diffCount > 0
          ? h('div', { class: 'notice notice--warn', dataset: { testid: 'grp-diff' } },
            h('p', { class: 'notice__title' }, t('grp.diffTitle')),
            d.entrants_list.length ? h('p', { dataset: { testid: 'grp-entrants' } }, t('grp.entrants', { n: formatNumber(d.entrants_list.length), list: names(d.entrants_list) })) : '',
            d.sortants_list.length ? h('p', { dataset: { testid: 'grp-sortants' } }, t('grp.sortants', { n: formatNumber(d.sortants_list.length), list: names(d.sortants_list) })) : '',
            h('div', { class: 'toolbar' }, apply))
          : '',
        h('h3', {}, t('grp.membersTitle', { n: formatNumber(d.members) })),
        d.members_list.length
          ? h('div', { class: 'table-wrap members-table' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), ...['grp.name', 'grp.profileCol', 'grp.detail', 'grp.origin'].map((k) => h('th', { scope: 'col' }, t(k))), gar ? h('th', { scope: 'col' }, t('grp.roleLabel')) : '')), h('tbody', {}, memberRows)))
          : h('p', { class: 'muted' }, t('grp.noMembers')),
        d.members_list.length ? h('div', { class: 'toolbar' }, removeSel) : '',
        h('h3', {}, t('grp.addTitle')),
        h('div', { class: 'filters' }, h('span', {}, pl, ' ', profile), h('span', {}, ll, ' ', level), h('span', {}, cl, ' ', klass), h('span', {}, dl, ' ', discipline), h('span', {}, fl, ' ', fn),
          h('span', {}, h('label', { for: 'grp-f-name' }, t('grp.fName')), ' ', who)),
        role ? h('p', {}, ...role) : '',
        h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'grp-find' }, onclick: searchPeople }, t('grp.find'))),
        results,
        h('h3', {}, t('grp.csvTitle')),
        h('p', { class: 'muted' }, t('grp.csvHelp')),
        h('p', {}, h('label', { for: 'grp-csv' }, t('grp.csvFile')), ' ', file, ' ', fromCsv),
        csvOut,
      );
      detail.querySelector('h2').focus();
    };

    try {
      await draw();
    } catch (err) {
      clear(body);
      if (isNothingImported(err)) {
        detail.remove();
        body.append(nothingImported(err, { testid: 'grp-empty', needs: t('grp.needs') }));
        return;
      }
      body.append(errorBox(err, 'grp-error'));
    }
  },
};
