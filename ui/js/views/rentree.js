// Rentrée: the month-by-month checklist of the training's chapter
// « Préparer la rentrée scolaire », checked against the store: what is due
// this period and what is late, each check with its count, what to do, the
// wizard that does it and the list behind it (exportable to CSV); the ENT
// settings Préau cannot read; a dashboard; a printable report; and the year
// transition, previewed before it is confirmed.
import { h, clear } from '../components/dom.js';
import { announce, errorBox } from '../components/notice.js';
import { t, tn, formatNumber, formatDate, todayIso } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { exportButton, csvFileName } from '../components/csv.js';
import { dateField } from '../components/date-field.js';
import { usableEstablishment } from './common.js';
import { findingLabel } from './imports/labels.js';

const PERIODS = ['juillet', 'aout', 'septembre', 'fin_annee'];
const STATUSES = ['a_faire', 'en_cours', 'fait', 'bloque', 'sans_objet'];

const SHOWN = 1000;

/**
 * The drill-down list of a check: the core hands it readable (titled
 * columns, text cells: people by name and class, links in words, dates
 * jj/mm/aaaa); the table and its CSV show the same cells.
 */
function drill(api, uai, check) {
  const { columns, rows } = check.list;
  return h('details', { class: 'drill', dataset: { testid: 'rentree-drill', code: check.code } },
    h('summary', {}, tn('rentree.seeList', rows.length)),
    h('div', { class: 'table-wrap' }, h('table', { class: 'drill__table' },
      h('caption', { class: 'visually-hidden' }, check.label),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.slice(0, SHOWN).map((r) => h('tr', { dataset: { testid: 'rentree-drill-row' } },
        r.map((cell) => h('td', {}, cell))))))),
    rows.length > SHOWN ? h('p', { class: 'muted' }, t('rentree.listCut', { shown: formatNumber(SHOWN), n: formatNumber(rows.length) })) : '',
    exportButton(api, {
      label: t('rentree.exportCsv'),
      testid: 'rentree-export',
      build: () => ({ name: csvFileName(check.label, uai), headers: columns, rows }),
    }));
}

export default {
  id: 'rentree',
  titleKey: 'nav.rentree',
  async render(root, ctx) {
    root.append(viewTitle(t('nav.rentree')), h('p', { class: 'lead' }, t('rentree.lead')));
    const entry = usableEstablishment(root, ctx, 'rentree-error');
    if (!entry) return;
    const uai = entry.uai;
    const asOf = dateField({ id: 'rentree-date', label: t('rentree.date'), value: todayIso(), required: true });
    const date = asOf.input;
    const print = h('button', { type: 'button', class: 'btn btn--secondary no-print', dataset: { testid: 'rentree-print' }, onclick: () => window.print() }, t('rentree.print'));
    const status = h('div', { 'aria-live': 'polite', dataset: { testid: 'rentree-status' } });
    const body = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
    const transition = h('section', { class: 'no-print', 'aria-labelledby': 'rentree-transition-title', dataset: { testid: 'rentree-transition' } });
    root.append(h('div', { class: 'toolbar no-print' }, asOf.element, print), status, body, transition);

    const focusOn = (selector) => {
      const el = root.querySelector(selector);
      if (!el) return;
      el.setAttribute('tabindex', '-1');
      el.focus();
    };
    const fail = (err) => {
      clear(status);
      status.append(errorBox(err, 'rentree-error'));
    };

    let shownDate = todayIso();
    const draw = async () => {
      const c = await ctx.api.rentreeChecklist(uai, shownDate);
      clear(body);
      // Dashboard: progress, and the data-quality counts across imports.
      const late = c.steps.filter((s) => s.late);
      const due = c.steps.filter((s) => s.current && !['fait', 'sans_objet'].includes(s.status));
      const codes = [...new Set(c.history.flatMap(([, m]) => Object.keys(m)))].sort();
      const max = Math.max(1, ...c.history.flatMap(([, m]) => Object.values(m)));
      body.append(h('section', { class: 'dashboard', 'aria-labelledby': 'rentree-dash-title', dataset: { testid: 'rentree-dashboard', date: c.today } },
        h('h2', { id: 'rentree-dash-title' }, t('rentree.dashboard', { year: c.year, next: c.year + 1 })),
        h('p', { dataset: { testid: 'rentree-progress-text' } }, tn('rentree.progress', c.done, { total: formatNumber(c.total) })),
        h('progress', { max: String(c.total), value: String(c.done), 'aria-label': t('rentree.progressLabel') }),
        h('p', { dataset: { testid: 'rentree-due' } }, tn('rentree.dueNow', due.length, { period: t(`rentree.periodIn.${c.period}`) }), ' ',
          late.length ? h('strong', { class: 'late', dataset: { testid: 'rentree-late' } }, tn('rentree.late', late.length)) : ''),
        c.history.length
          ? h('figure', { class: 'chart', dataset: { testid: 'rentree-chart' } },
            h('figcaption', {}, t('rentree.chart')),
            h('table', { class: 'bars' },
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('rentree.finding')), ...c.history.map(([op], k) => h('th', { scope: 'col' }, t('rentree.importN', { n: k + 1, op }))))),
              h('tbody', {}, codes.map((code) => h('tr', {},
                h('th', { scope: 'row' }, findingLabel(code)),
                ...c.history.map(([, m]) => {
                  const n = m[code] || 0;
                  // The width goes through the CSSOM: the CSP forbids style attributes.
                  const bar = h('span', { class: 'bar', 'aria-hidden': 'true' });
                  bar.style.width = `${Math.round((n / max) * 800) / 100}rem`;
                  return h('td', {}, bar, ` ${formatNumber(n)}`);
                }))))))
          : h('p', { class: 'muted' }, t('rentree.noHistory'))));
      // The ENT settings Préau cannot read.
      const s = c.settings;
      const pupils = dateField({ id: 'rentree-embargo-pupils', label: t('rentree.embargoPupils'), value: s.embargo_pupils });
      const parents = dateField({ id: 'rentree-embargo-parents', label: t('rentree.embargoParents'), value: s.embargo_parents });
      const version = h('input', { type: 'text', id: 'rentree-pronote-version', value: s.pronote_version || '', dataset: { testid: 'rentree-pronote-version' } });
      const versionP = h('div', { class: 'field field--short' }, h('label', { for: 'rentree-pronote-version' }, t('rentree.pronoteVersion')), version);
      const end = dateField({ id: 'rentree-end', label: t('rentree.endOfYear'), value: s.end_of_year });
      const since = dateField({ id: 'rentree-since', label: t('rentree.followedSince'), value: s.followed_since });
      const noPronote = h('input', { type: 'checkbox', id: 'rentree-no-pronote', checked: s.no_pronote ? '' : null });
      const save = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'rentree-save-settings' }, onclick: async () => {
        const fields = [pupils, parents, end, since];
        const values = [];
        for (const f of fields) {
          try {
            values.push(f.iso());
          } catch (err) {
            // Said next to the field, announced, and the field takes the focus: nothing is saved.
            announce(err.message);
            f.input.focus();
            return;
          }
        }
        const [embargoPupils, embargoParents, endOfYear, followedSince] = values;
        try {
          await ctx.api.rentreeSetSettings(uai, {
            embargo_pupils: embargoPupils,
            embargo_parents: embargoParents,
            pronote_version: version.value.trim() || null,
            end_of_year: endOfYear,
            no_pronote: noPronote.checked,
            followed_since: followedSince,
          });
          announce(t('rentree.settingsSaved'));
          await draw();
          focusOn('#rentree-settings-title');
        } catch (err) {
          fail(err);
        }
      } }, t('rentree.saveSettings'));
      body.append(h('section', { class: 'no-print', 'aria-labelledby': 'rentree-settings-title' },
        h('h2', { id: 'rentree-settings-title' }, t('rentree.settings')),
        h('p', { class: 'muted' }, t('rentree.settingsHelp')),
        pupils.element, parents.element, versionP, end.element,
        since.element, h('p', { class: 'muted' }, t('rentree.followedSinceHelp')),
        h('p', {}, noPronote, ' ', h('label', { for: 'rentree-no-pronote' }, t('rentree.noPronote'))),
        h('div', { class: 'toolbar' }, save)));
      // The checklist, month by month.
      for (const period of PERIODS) {
        const steps = c.steps.filter((st) => st.period === period);
        body.append(h('section', { class: 'period', 'aria-labelledby': `rentree-${period}`, dataset: { testid: `rentree-period-${period}` } },
          h('h2', { id: `rentree-${period}` }, t(`rentree.period.${period}`), period === c.period ? h('span', { class: 'muted' }, ` — ${t('rentree.now')}`) : ''),
          steps.map((st) => {
            const statusId = `rentree-status-${st.step}`;
            const noteId = `rentree-note-${st.step}`;
            const select = h('select', { id: statusId, dataset: { testid: 'rentree-step-select' } },
              h('option', { value: '' }, t('rentree.auto')),
              STATUSES.map((x) => h('option', { value: x, selected: st.manual && st.status === x }, t(`rentree.status.${x}`))));
            const note = h('textarea', { id: noteId, rows: '2', class: 'step__note', dataset: { testid: 'rentree-step-note' } });
            note.value = st.note;
            const keep = h('button', { type: 'button', class: 'btn btn--small btn--secondary no-print', onclick: async () => {
              try {
                await ctx.api.rentreeSetStep(uai, st.step, select.value, note.value);
                announce(t('rentree.stepSaved'));
                await draw();
                // The view is drawn again: the eye goes back to the step just saved.
                focusOn(`[data-testid="rentree-step"][data-step="${st.step}"] h3`);
              } catch (err) {
                fail(err);
              }
            } }, t('rentree.saveStep'));
            return h('article', { class: `step step--${st.status}`, dataset: { testid: 'rentree-step', step: st.step, status: st.status } },
              h('h3', {}, st.title),
              h('p', {}, h('span', { class: `badge badge--${st.status}`, dataset: { testid: 'rentree-step-status' } }, t(`rentree.status.${st.status}`)),
                ` ${t('rentree.due', { date: formatDate(st.due) })}`,
                st.late ? h('strong', { class: 'late', dataset: { testid: 'rentree-step-late' } }, ` — ${t('rentree.isLate')}`) : '',
                st.before_start && !['fait', 'sans_objet'].includes(st.status) ? h('span', { class: 'muted', dataset: { testid: 'rentree-step-before' } }, ` — ${t('rentree.beforeStart')}`) : '',
                st.manual ? h('span', { class: 'muted' }, ` (${t('rentree.byHand')})`) : ''),
              h('p', { class: 'muted' }, st.todo, ' ', h('a', { href: `#/${st.route}`, class: 'no-print' }, t('rentree.open'))),
              st.checks.length
                ? h('ul', { class: 'checks' }, st.checks.map((ch) => h('li', { class: ch.ok ? 'check--ok' : ch.blocking ? 'check--blocking' : 'check--warn', dataset: { testid: 'rentree-check', code: ch.code, ok: String(ch.ok) } },
                  h('span', { class: 'check__mark' }, ch.ok ? `✓ ${t('rentree.ok')}` : ch.blocking ? `✗ ${t('rentree.blocking')}` : `! ${t('rentree.toSee')}`),
                  ` ${ch.label} : `, h('strong', {}, formatNumber(ch.count)),
                  ch.ok ? '' : h('span', { class: 'muted' }, ` — ${ch.todo} `),
                  ch.ok ? '' : h('a', { href: `#/${ch.route}`, class: 'no-print' }, t('rentree.open')),
                  ch.list.rows.length ? drill(ctx.api, uai, ch) : '')))
                : '',
              h('div', { class: 'step__edit no-print' },
                h('p', {}, h('label', { for: statusId }, t('rentree.statusVisible')), ' ', select),
                h('p', { class: 'step__note-field' }, h('label', { for: noteId }, t('rentree.noteVisible')), note),
                keep));
          })));
      }
    };

    // The year transition: what will change, then a confirmation.
    const drawTransition = () => {
      clear(transition);
      const open = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'rentree-transition-open' } }, t('rentree.transitionOpen'));
      const out = h('div', {});
      open.addEventListener('click', async () => {
        try {
          const p = await ctx.api.rentreeTransitionPreview(uai);
          clear(out);
          const confirm = h('button', { type: 'button', class: 'btn', dataset: { testid: 'rentree-transition-confirm' } }, t('rentree.transitionConfirm', { year: p.to_year, next: p.to_year + 1 }));
          const cancel = h('button', { type: 'button', class: 'btn btn--secondary', onclick: () => clear(out) }, t('vis.cancel'));
          confirm.addEventListener('click', async () => {
            try {
              const done = await ctx.api.rentreeTransition(uai);
              clear(out);
              announce(t('rentree.transitionDone', { year: done.to_year, next: done.to_year + 1 }));
              await draw();
            } catch (err) {
              fail(err);
            }
          });
          out.append(h('div', { class: 'notice notice--warn', dataset: { testid: 'rentree-transition-preview' } },
            h('p', { class: 'notice__title' }, t('rentree.transitionTitle', { from: p.from_year, to: p.to_year })),
            h('ul', {},
              h('li', {}, tn('rentree.tClasses', p.classes, { pupils: tn('rentree.tPupils', p.pupils_in_classes) })),
              h('li', {}, tn('rentree.tLeaving', p.leaving)),
              h('li', {}, tn('rentree.tGroups', p.rule_groups)),
              h('li', {}, tn('rentree.tLinks', p.links_kept)),
              h('li', {}, tn('rentree.tSteps', p.steps_reset))),
            (p.hand_accounts || []).length
              ? h('div', { dataset: { testid: 'rentree-hand-accounts' } },
                h('p', {}, tn('rentree.tHand', p.hand_accounts.length)),
                h('ul', {}, p.hand_accounts.map((a) => h('li', {}, a.name, ' — ',
                  a.until ? t('rentree.tHandUntil', { date: formatDate(a.until) }) : t('rentree.tHandPerenne')))),
                h('p', {}, h('a', { href: '#/annuaire' }, t('rentree.tHandGo'))))
              : '',
            h('div', { class: 'toolbar' }, confirm, cancel)));
          // What will change is read before confirming: bring it into view.
          out.lastChild.scrollIntoView({ block: 'nearest' });
        } catch (err) {
          fail(err);
        }
      });
      transition.append(h('h2', { id: 'rentree-transition-title' }, t('rentree.transition')), h('p', { class: 'muted' }, t('rentree.transitionHelp')), open, out);
    };

    date.addEventListener('change', () => {
      let iso;
      try {
        iso = asOf.iso();
      } catch (err) {
        announce(err.message);
        return;
      }
      shownDate = iso;
      draw().catch(fail);
    });
    try {
      await draw();
      drawTransition();
    } catch (err) {
      clear(body);
      body.append(errorBox(err, 'rentree-error'));
    }
  },
};
