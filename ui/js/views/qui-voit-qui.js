// Qui voit qui: the messaging directory's eye per profile × node (hiding a
// node hides what is under it), what differs from the ENT server, presets,
// every change shown with its side effects before it is queued for the
// server; the simulator (« que voit … ? », « … peut-il écrire à … ? ») and
// qui fait quoi (function nodes, hand corrections, alerts).
import { h, clear } from '../components/dom.js';
import { announce, errorBox } from '../components/notice.js';
import { t, tn, formatNumber } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { isNothingImported, nothingImported } from '../components/empty-state.js';
import { usableEstablishment } from './common.js';

const path = (node) => node.split('/').join(' › ');

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  el.append(...children);
  return el;
}

/**
 * An eye drawn inline (no text, hidden from assistive technology: the button
 * carries the spoken label). `state`: open, closed, or inherited (open but
 * hidden by a node above: greyed, with an arrow up); `differs` adds a dot.
 */
function eyeIcon(state, differs) {
  const stroke = { fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' };
  const parts = state === 'closed'
    ? [svg('path', { d: 'M2 10c2.5 3.5 6 5.5 10 5.5s7.5-2 10-5.5', ...stroke }), svg('path', { d: 'M5 13.5l-2 2.5M9 15.3l-1 3M15 15.3l1 3M19 13.5l2 2.5', ...stroke })]
    : [svg('path', { d: 'M2 12c2.5-4.5 6-7 10-7s7.5 2.5 10 7c-2.5 4.5-6 7-10 7s-7.5-2.5-10-7z', ...stroke }), svg('circle', { cx: 12, cy: 12, r: 3, fill: 'currentColor' })];
  if (state === 'inherited') parts.push(svg('path', { class: 'eye__arrow', d: 'M20.5 6.5V1M18 3.5l2.5-2.5 2.5 2.5', ...stroke, 'stroke-width': 1.6 }));
  if (differs) parts.push(svg('circle', { class: 'eye__dot', cx: 20.5, cy: 20.5, r: 3 }));
  return svg('svg', { class: 'eye__icon', viewBox: '0 0 24 24', width: 24, height: 24, 'aria-hidden': 'true', focusable: 'false' }, ...parts);
}

/** The legend under the grid: the same icons, said in words. */
function eyeLegend() {
  const item = (state, differs, key) => h('li', {}, h('span', { class: `eye eye--legend eye--${state}` }, eyeIcon(state, differs)), ' ', t(key));
  return h('ul', { class: 'eye-legend', dataset: { testid: 'vis-legend' } },
    item('open', false, 'vis.legend.open'),
    item('closed', false, 'vis.legend.closed'),
    item('inherited', false, 'vis.legend.inherited'),
    item('open', true, 'vis.legend.differs'));
}

/** A search field listing people; `onPick(person)` when one is chosen. */
function personPicker(ctx, uai, id, label, testid, onPick) {
  const input = h('input', { type: 'search', id, autocomplete: 'off', dataset: { testid: `${testid}-input` } });
  const results = h('ul', { class: 'picker__results', dataset: { testid: `${testid}-results` } });
  let seq = 0;
  const search = async () => {
    const mine = ++seq;
    const q = input.value.trim();
    clear(results);
    if (q.length < 2) return;
    const people = await ctx.api.visibilityPeople(uai, q);
    if (mine !== seq) return;
    clear(results);
    if (people.length === 0) results.append(h('li', { class: 'muted' }, t('vis.noPerson')));
    for (const p of people) {
      results.append(
        h('li', {},
          h('button', {
            type: 'button',
            class: 'btn btn--small btn--secondary',
            dataset: { testid: `${testid}-option`, id: p.id },
            onclick: () => {
              clear(results);
              input.value = p.name;
              onPick(p);
            },
          }, `${p.name} — ${p.profile_label}${p.detail ? ` (${p.detail})` : ''}`),
        ),
      );
    }
  };
  input.addEventListener('input', () => { search().catch(() => {}); });
  return h('div', { class: 'picker' }, h('label', { for: id }, label), ' ', input, results);
}

export default {
  id: 'qui-voit-qui',
  titleKey: 'nav.quiVoitQui',
  async render(root, ctx) {
    root.append(viewTitle(t('nav.quiVoitQui')), h('p', { class: 'lead' }, t('vis.lead')));
    const entry = usableEstablishment(root, ctx, 'vis-error');
    if (!entry) return;
    const uai = entry.uai;
    const status = h('div', { 'aria-live': 'polite', dataset: { testid: 'vis-status' } });
    const preview = h('div', { dataset: { testid: 'vis-preview-slot' } });
    const body = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
    const simulator = h('section', { 'aria-labelledby': 'vis-sim-title', dataset: { testid: 'vis-simulator' } });
    const functions = h('section', { 'aria-labelledby': 'vis-fn-title', dataset: { testid: 'vis-functions' } });
    root.append(status, preview, body, simulator, functions);
    let focusKey = null;

    const fail = (err) => {
      clear(status);
      status.append(errorBox(err, 'vis-error'));
    };

    /** Shows `p` (changes + warnings) and applies it on confirmation. */
    const showPreview = (p, origin) => {
      clear(preview);
      if (p.changes.length === 0) {
        announce(t('vis.nothing'));
        return;
      }
      const apply = h('button', { type: 'button', class: 'btn', dataset: { testid: 'vis-apply' } }, t('vis.apply', { n: formatNumber(p.changes.length) }));
      const cancel = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'vis-cancel' } }, t('vis.cancel'));
      cancel.addEventListener('click', () => clear(preview));
      apply.addEventListener('click', async () => {
        apply.disabled = true;
        try {
          const n = await ctx.api.visibilityApply(uai, p.changes, origin);
          clear(preview);
          announce(tn('vis.applied', n));
          await draw();
        } catch (err) {
          apply.disabled = false;
          fail(err);
        }
      });
      preview.append(
        h('section', { class: 'preview', 'aria-labelledby': 'vis-preview-title', dataset: { testid: 'vis-preview' } },
          h('h2', { id: 'vis-preview-title', tabindex: '-1' }, t('vis.previewTitle')),
          h('ul', {}, p.changes.map((c) => h('li', { dataset: { testid: 'vis-preview-change' } },
            t(c.visible ? 'vis.show' : 'vis.hide', { node: path(c.node), profile: t(`vis.profile.${c.profile}`) })))),
          p.warnings.length > 0
            ? h('div', { class: 'notice notice--warn', role: 'note' },
              h('p', { class: 'notice__title' }, t('vis.warningsTitle')),
              h('ul', {}, p.warnings.map((w) => h('li', { dataset: { testid: 'vis-warning', code: w.code } }, w.message))))
            : h('p', { class: 'muted', dataset: { testid: 'vis-no-warning' } }, t('vis.noWarning')),
          h('div', { class: 'toolbar' }, apply, cancel),
        ),
      );
      preview.querySelector('h2').focus();
    };

    // Resetting the whole grid is not one preset among others: it stands apart.
    const RESET = 'defauts';
    const presetButton = (p) => h('button', {
      type: 'button',
      class: p.name === RESET ? 'btn btn--quiet' : 'btn btn--secondary',
      dataset: { testid: 'vis-preset', name: p.name },
      onclick: async () => {
        try {
          showPreview(await ctx.api.visibilityPreset(uai, p.name), `préréglage ${p.name}`);
        } catch (err) {
          fail(err);
        }
      },
    }, t(`vis.preset.${p.name}`));

    const draw = async () => {
      const g = await ctx.api.visibilityGrid(uai);
      clear(body);
      const differs = g.cells.filter((c) => c.visible !== c.server).length;
      body.append(
        h('p', { dataset: { testid: 'vis-summary' } },
          `${tn('vis.pending', g.pending)} ; ${tn('vis.differsCount', differs)}.`, ' ',
          g.pending > 0 ? h('a', { href: '#/synchronisation', dataset: { testid: 'vis-to-sync' } }, t('vis.toSync')) : ''),
      );
      // Presets.
      body.append(
        h('section', { 'aria-labelledby': 'vis-presets-title' },
          h('h2', { id: 'vis-presets-title' }, t('vis.presets')),
          h('div', { class: 'toolbar' }, g.presets.filter((p) => p.name !== RESET).map(presetButton)),
          g.presets.some((p) => p.name === RESET)
            ? h('div', { class: 'vis-reset', dataset: { testid: 'vis-reset' } },
              h('p', { class: 'muted' }, t('vis.resetHelp')),
              presetButton({ name: RESET }))
            : '',
        ),
      );
      // The grid.
      const cell = new Map(g.cells.map((c) => [`${c.profile}|${c.node}`, c]));
      const buttons = [];
      const rows = g.nodes.map((n, r) => h('tr', { class: n.depth === 0 ? 'grid__root' : '' },
        h('th', { scope: 'row', class: `grid__node depth-${n.depth}` },
          n.label,
          n.path === 'Mon établissement' ? h('span', { class: 'muted' }, ` — ${g.establishment}`) : '',
          n.members !== null && n.members !== undefined ? h('span', { class: 'muted' }, ` (${formatNumber(n.members)})`) : ''),
        ...g.profiles.map((p, col) => {
          const c = cell.get(`${p.code}|${n.path}`);
          const profile = t(`vis.profile.${p.code}`);
          const state = c.visible ? t('vis.seen') : c.hidden_by ? t('vis.hiddenBy', { node: c.hidden_by.split('/').pop() }) : t('vis.hidden');
          const label = `${profile} — ${path(n.path)} : ${state}${c.visible !== c.server ? ` (${t('vis.differs')})` : ''}. ${t(c.eye ? 'vis.clickHide' : 'vis.clickShow')}`;
          const look = !c.eye ? 'closed' : c.visible ? 'open' : 'inherited';
          const b = h('button', {
            type: 'button',
            class: `eye eye--${look}`,
            'aria-pressed': c.eye ? 'true' : 'false',
            'aria-label': label,
            title: label,
            tabindex: '-1',
            dataset: { testid: 'vis-cell', profile: p.code, node: n.path, row: String(r), col: String(col), visible: String(c.visible) },
            onclick: async () => {
              focusKey = `${p.code}|${n.path}`;
              try {
                showPreview(await ctx.api.visibilityPreview(uai, p.code, n.path, !c.eye), 'qui voit qui');
              } catch (err) {
                fail(err);
              }
            },
          }, eyeIcon(look, c.visible !== c.server));
          buttons.push(b);
          return h('td', { class: 'grid__cell' }, b);
        })));
      const table = h('table', { class: 'grid', dataset: { testid: 'vis-grid' } },
        h('caption', {}, t('vis.gridCaption')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('vis.node')), ...g.profiles.map((p) => h('th', { scope: 'col' }, t(`vis.profile.${p.code}`))))),
        h('tbody', {}, rows),
      );
      // One tab stop for the grid; the arrows move inside it.
      const at = (r, c) => buttons.find((b) => b.dataset.row === String(r) && b.dataset.col === String(c));
      const first = (focusKey && buttons.find((b) => `${b.dataset.profile}|${b.dataset.node}` === focusKey)) || buttons[0];
      if (first) first.tabIndex = 0;
      table.addEventListener('keydown', (ev) => {
        const b = ev.target.closest('button.eye');
        if (!b) return;
        const r = Number(b.dataset.row);
        const c = Number(b.dataset.col);
        const moves = { ArrowUp: [r - 1, c], ArrowDown: [r + 1, c], ArrowLeft: [r, c - 1], ArrowRight: [r, c + 1], Home: [r, 0], End: [r, g.profiles.length - 1] };
        const to = moves[ev.key] && at(...moves[ev.key]);
        if (!to) return;
        ev.preventDefault();
        b.tabIndex = -1;
        to.tabIndex = 0;
        to.focus();
      });
      body.append(
        h('section', { 'aria-labelledby': 'vis-grid-title' },
          h('h2', { id: 'vis-grid-title' }, t('vis.grid')),
          h('p', { class: 'muted' }, t('vis.gridHelp')),
          eyeLegend(),
          h('div', { class: 'table-wrap' }, table),
        ),
      );
    };

    // The simulator.
    const drawSimulator = () => {
      clear(simulator);
      const out = h('div', { dataset: { testid: 'vis-sim-result' } });
      const verdict = h('div', { 'aria-live': 'polite', dataset: { testid: 'vis-verdict' } });
      let who = null;
      const run = async (to) => {
        if (!who) return;
        try {
          const r = await ctx.api.visibilitySimulate(uai, who.id, to ? to.id : null);
          clear(out);
          const s = r.simulation;
          out.append(
            h('p', { class: 'strong' }, t('vis.sees', { name: s.name, profile: t(`vis.profile.${s.profile}`) })),
            h('ul', { class: 'sim' }, s.visible.map((n) => h('li', { class: `depth-${n.node.split('/').length - 1}`, dataset: { testid: 'vis-sim-node', node: n.node } },
              n.node.split('/').pop(),
              n.people.length > 0
                ? h('details', {}, h('summary', {}, tn('vis.people', n.people.length)),
                  h('p', {}, n.people.slice(0, 200).map((p) => p.name).join(', ')))
                : ''))),
            s.hidden.length > 0
              ? h('p', { class: 'muted', dataset: { testid: 'vis-sim-hidden' } }, t('vis.hiddenList', { list: s.hidden.map((x) => x.node.split('/').pop()).join(', ') }))
              : '',
          );
          clear(verdict);
          if (r.verdict) {
            verdict.append(h('div', { class: `notice ${r.verdict.can ? 'notice--ok' : 'notice--warn'}`, dataset: { testid: 'vis-verdict-text', can: String(r.verdict.can) } },
              h('p', {}, r.verdict.reason)));
          }
        } catch (err) {
          clear(out);
          out.append(errorBox(err, 'vis-error'));
        }
      };
      let target = null;
      simulator.append(
        h('h2', { id: 'vis-sim-title' }, t('vis.simulator')),
        h('p', { class: 'muted' }, t('vis.simHelp')),
        personPicker(ctx, uai, 'vis-sim-who', t('vis.simWho'), 'vis-sim-who', (p) => { who = p; run(target); }),
        personPicker(ctx, uai, 'vis-sim-to', t('vis.simTo'), 'vis-sim-to', (p) => { target = p; run(target); }),
        verdict,
        out,
      );
    };

    // Qui fait quoi.
    const drawFunctions = async () => {
      const f = await ctx.api.visibilityFunctions(uai);
      clear(functions);
      functions.append(h('h2', { id: 'vis-fn-title' }, t('vis.functions')), h('p', { class: 'muted' }, t('vis.functionsHelp')));
      if (f.alerts.length > 0) {
        functions.append(h('div', { class: 'notice notice--warn', dataset: { testid: 'vis-alerts' } },
          h('p', { class: 'notice__title' }, tn('vis.alerts', f.alerts.length)),
          h('ul', {}, f.alerts.map((a) => h('li', { dataset: { testid: 'vis-alert', code: a.code } }, a.message)))));
      }
      const correct = (node, person, member) => async () => {
        try {
          await ctx.api.visibilityFunctionMember(uai, node, person, member);
          announce(t('vis.corrected'));
          await drawFunctions();
          await draw();
        } catch (err) {
          fail(err);
        }
      };
      // One form adds a person to a node by hand.
      const select = h('select', { id: 'vis-add-node', dataset: { testid: 'vis-add-node' } },
        f.nodes.map((n) => h('option', { value: n.node }, path(n.node).replace('Mon établissement › ', ''))));
      functions.append(h('div', { class: 'add-member' },
        h('p', {}, h('label', { for: 'vis-add-node' }, t('vis.addTo')), ' ', select),
        personPicker(ctx, uai, 'vis-add-person', t('vis.addPersonLabel'), 'vis-add', (p) => correct(select.value, p.id, true)())));
      // What the server should learn of the nodes' composition.
      const changes = await ctx.api.visibilityNodeChanges(uai);
      const queue = h('button', { type: 'button', class: 'btn', dataset: { testid: 'vis-queue-nodes' } }, t('vis.queueNodes', { n: formatNumber(changes.length) }));
      queue.disabled = changes.length === 0;
      queue.addEventListener('click', async () => {
        queue.disabled = true;
        try {
          const n = await ctx.api.visibilityQueueNodes(uai);
          announce(tn('vis.nodesQueued', n));
          await drawFunctions();
        } catch (err) {
          queue.disabled = false;
          fail(err);
        }
      });
      const short = (list) => (list.length ? list.map((n) => n.split('/').pop()).join(', ') : t('vis.none'));
      functions.append(h('div', { class: 'node-sync', dataset: { testid: 'vis-node-changes' } },
        h('p', {}, changes.length === 0 ? t('vis.nodesInSync') : tn('vis.nodesDiffer', changes.length)),
        changes.length > 0
          ? h('details', {}, h('summary', {}, t('vis.nodesDetail')),
            h('ul', {}, changes.slice(0, 200).map((c) => h('li', {}, t('vis.nodeChange', { account: c.account, before: short(c.before), after: short(c.after) })))))
          : '',
        h('div', { class: 'toolbar' }, queue)));
      functions.append(h('table', { dataset: { testid: 'vis-fn-table' } },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('vis.node')), h('th', { scope: 'col' }, t('vis.members')))),
        h('tbody', {}, f.nodes.map((n) => h('tr', { dataset: { testid: 'vis-fn-node', node: n.node } },
          h('th', { scope: 'row' }, path(n.node).replace('Mon établissement › ', ''), h('span', { class: 'muted' }, ` (${formatNumber(n.members.length)})`)),
          h('td', {}, n.members.length === 0 ? h('span', { class: 'muted' }, t('vis.empty')) : h('ul', { class: 'members' }, n.members.map((m) => h('li', {},
            `${m.name}${m.codes.length ? ` (${m.codes.join(', ')})` : ''}${m.by === 'manuel' ? ` — ${t('vis.byHand')}` : ''} `,
            h('button', {
              type: 'button',
              class: 'btn btn--small btn--secondary',
              'aria-label': t('vis.removeLabel', { name: m.name, node: n.node.split('/').pop() }),
              onclick: correct(n.node, m.person, m.by === 'manuel' ? null : false),
            }, t('vis.remove')))))),
        ))),
      ));
    };

    // The fonction + discipline → node mapping, editable.
    const mapping = h('section', { 'aria-labelledby': 'vis-map-title', dataset: { testid: 'vis-mapping' } });
    root.append(mapping);
    const drawMapping = async () => {
      const f = await ctx.api.visibilityFunctions(uai);
      clear(mapping);
      const nodes = f.nodes.map((n) => n.node);
      const rows = h('tbody', {});
      const row = (r) => {
        const code = h('input', { type: 'text', size: '5', value: r.code, 'aria-label': t('vis.ruleCode'), dataset: { testid: 'vis-rule-code' } });
        const discipline = h('input', { type: 'text', size: '7', value: r.discipline || '', 'aria-label': t('vis.ruleDiscipline'), placeholder: t('vis.any') });
        const node = h('select', { 'aria-label': t('vis.ruleNode') }, nodes.map((n) => h('option', { value: n, selected: n === r.node }, path(n).replace('Mon établissement › ', ''))));
        const tr = h('tr', { dataset: { testid: 'vis-rule' } },
          h('td', {}, code), h('td', {}, discipline), h('td', {}, node),
          h('td', {}, h('button', { type: 'button', class: 'btn btn--small btn--secondary', onclick: () => tr.remove() }, t('vis.remove'))));
        tr.read = () => ({ code: code.value, discipline: discipline.value || null, node: node.value });
        return tr;
      };
      for (const r of f.rules) rows.append(row(r));
      const add = h('button', { type: 'button', class: 'btn btn--secondary', onclick: () => rows.append(row({ code: '', discipline: null, node: nodes[0] })) }, t('vis.addRule'));
      const save = h('button', { type: 'button', class: 'btn', dataset: { testid: 'vis-save-rules' } }, t('vis.saveRules'));
      save.addEventListener('click', async () => {
        save.disabled = true;
        try {
          await ctx.api.visibilitySetRules(uai, [...rows.children].map((tr) => tr.read()));
          announce(t('vis.rulesSaved'));
          await drawFunctions();
          await drawMapping();
          await draw();
        } catch (err) {
          save.disabled = false;
          fail(err);
        }
      });
      mapping.append(
        h('h2', { id: 'vis-map-title' }, t('vis.mapping')),
        h('p', { class: 'muted' }, t('vis.mappingHelp')),
        h('table', { class: 'vis-rules' }, h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('vis.ruleCode')), h('th', { scope: 'col' }, t('vis.ruleDiscipline')),
          h('th', { scope: 'col' }, t('vis.ruleNode')), h('th', { scope: 'col' }, ''))), rows),
        h('div', { class: 'toolbar' }, add, save),
      );
    };

    try {
      await draw();
      drawSimulator();
      await drawFunctions();
      await drawMapping();
    } catch (err) {
      clear(body);
      if (isNothingImported(err)) {
        // No population yet: one empty state instead of empty tools.
        simulator.remove();
        functions.remove();
        mapping.remove();
        body.append(nothingImported(err, { testid: 'vis-empty', needs: t('vis.needs') }));
        return;
      }
      body.append(errorBox(err, 'vis-error'));
    }
  },
};
