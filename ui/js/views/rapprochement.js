// Rapprochement: the Pronote (six steps) and EDT (teachers, pupils) wizards
// that link the source's records to ENT accounts. Each step shows its three
// bands; the review queue takes the keyboard (Entrée accepts, 1–5 picks a
// candidate, S passes, N says « aucun compte », Ctrl+Z undoes) and has a
// search box over the directory. Every decision is written to the store at
// once, so the session resumes where it stopped. An « essai à blanc » shows
// what applying would write before anything is.
import { h, clear } from '../components/dom.js';
import { announce, announceError, errorBox } from '../components/notice.js';
import { t, tn, formatNumber, formatDateTime } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { isNothingImported, nothingImported } from '../components/empty-state.js';
import { pagedTable } from '../components/paged-table.js';
import { usableEstablishment } from './common.js';

/** Per establishment: { source, step }. */
const places = new Map();

function placeFor(uai) {
  if (!places.has(uai)) places.set(uai, { source: 'pronote', step: null });
  return places.get(uai);
}

function isoToFr(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso || '';
}

function counts(c) {
  return t('matching.counts', {
    auto: tn('matching.autoLinked', c.auto),
    review: formatNumber(c.review),
    none: formatNumber(c.none),
    decided: tn('matching.checkedCount', c.decided),
  });
}

/** The account a record's choice names, by its name when the record's candidates hold it. */
function chosenAccount(item, id) {
  const i = item.candidates.findIndex((c) => c.account === id);
  if (i >= 0) return accountLine(item.accounts[i]) || item.candidates[i].reasons[0] || t('matching.accountUnknown');
  return t('matching.accountOther');
}

function choiceText(choice, item) {
  if (!choice) return t('matching.choice.open');
  if (choice.state === 'linked') return t(choice.manual ? 'matching.choice.manual' : 'matching.choice.auto', { account: chosenAccount(item, choice.account) });
  return t(`matching.choice.${choice.state}`);
}

// The engine's thresholds (reconcile::AUTO_SCORE, REVIEW_SCORE): a score is
// said in words against them, never as a bare number.
const AUTO_SCORE = 24;
const REVIEW_SCORE = 4;

function closeness(score) {
  if (!Number.isFinite(score)) return '';
  if (score >= AUTO_SCORE) return t('matching.closeness.strong');
  if (score >= (AUTO_SCORE + REVIEW_SCORE) / 2) return t('matching.closeness.fair');
  return t('matching.closeness.weak');
}

/** The engine's lines are French already; their ISO dates are said dd/mm/yyyy. */
function readable(text) {
  return String(text).replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, (iso) => isoToFr(iso));
}

/** Why a record waits for review; the score and margin lines are said without their figures. */
function whyText(w) {
  if (/^score insuffisant\b/.test(w)) return t('matching.why.lowScore');
  if (/^un autre compte est presque aussi proche\b/.test(w)) return t('matching.why.closeCall');
  return readable(w);
}

/** The establishments of the data folder, UAI → name: an account's establishment is said by its name when known. */
let establishmentNames = new Map();

function establishmentName(uai) {
  return establishmentNames.get(uai) || uai;
}

/** An account in one line; `short` leaves out its classes and establishments (a table shows the classes beside it). */
function accountLine(a, { short = false } = {}) {
  if (!a) return '';
  const parts = [`${a.last_name} ${a.first_name}`];
  if (a.birth_name) parts.push(t('matching.bornName', { name: a.birth_name }));
  parts.push(t('matching.accountProfile', { profile: a.profile }));
  if (a.birth_date) parts.push(t('matching.born', { date: isoToFr(a.birth_date) }));
  if (!short && a.classes.length) parts.push(a.classes.join(', '));
  if (!short && a.establishments.length) parts.push(a.establishments.map(establishmentName).join(', '));
  return parts.join(' — ');
}

/** The record under review, its candidates with their evidence, and the keys that decide. */
function reviewCard(item, position, total, decide) {
  const source = [
    `${item.last_name} ${item.first_name}`,
    item.birth_date ? t('matching.born', { date: isoToFr(item.birth_date) }) : null,
    item.classes.length ? item.classes.join(', ') : null,
  ]
    .filter(Boolean)
    .join(' — ');
  const candidates = h(
    'ol',
    { class: 'candidates', dataset: { testid: 'match-candidates' } },
    item.candidates.map((c, i) =>
      h(
        'li',
        { dataset: { testid: 'match-candidate', account: c.account } },
        h(
          'button',
          { type: 'button', class: 'btn btn--secondary', dataset: { testid: `match-pick-${i + 1}` }, onclick: () => decide({ kind: 'pick', n: i + 1 }) },
          t('matching.pick', { n: i + 1 }),
        ),
        ' ',
        h('strong', {}, accountLine(item.accounts[i]) || c.reasons[0] || t('matching.accountUnknown')),
        ' ',
        h('span', { class: 'score muted' }, `(${closeness(c.score)})`),
        h('ul', { class: 'evidence' }, c.reasons.map((r) => h('li', {}, readable(r)))),
      ),
    ),
  );
  const why = item.why_review.length
    ? h('div', { class: 'why' }, h('p', {}, t('matching.whyReview')), h('ul', {}, item.why_review.map((w) => h('li', {}, whyText(w)))))
    : null;
  const buttons = h(
    'div',
    { class: 'toolbar' },
    h('button', { type: 'button', class: 'btn', dataset: { testid: 'match-accept' }, disabled: item.candidates.length === 0, onclick: () => decide({ kind: 'accept' }) }, t('matching.accept')),
    h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'match-skip' }, onclick: () => decide({ kind: 'skip' }) }, t('matching.skip')),
    h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'match-none' }, onclick: () => decide({ kind: 'none' }) }, t('matching.none')),
    h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'match-undo' }, onclick: () => decide('undo') }, t('matching.undo')),
  );
  const card = h(
    'section',
    {
      class: 'review-card',
      tabindex: '0',
      'aria-label': t('matching.cardLabel', { position: formatNumber(position), total: formatNumber(total) }),
      dataset: { testid: 'match-review-card', source: item.source_id },
    },
    h('h3', {}, t('matching.cardTitle', { position: formatNumber(position), total: formatNumber(total) })),
    h('p', { class: 'source-record', dataset: { testid: 'match-source' } }, source),
    h('p', { class: 'muted' }, t('matching.keys')),
    why,
    item.candidates.length ? candidates : h('p', {}, t('matching.noCandidate')),
    buttons,
  );
  card.addEventListener('keydown', (e) => {
    if (e.target !== card) return;
    if (e.key === 'Enter' && item.candidates.length) decide({ kind: 'accept' });
    else if (/^[1-5]$/.test(e.key) && Number(e.key) <= item.candidates.length) decide({ kind: 'pick', n: Number(e.key) });
    else if (e.key === 's' || e.key === 'S') decide({ kind: 'skip' });
    else if (e.key === 'n' || e.key === 'N') decide({ kind: 'none' });
    else if ((e.key === 'z' && (e.ctrlKey || e.metaKey)) || e.key === 'u' || e.key === 'U') decide('undo');
    else return;
    e.preventDefault();
  });
  return card;
}

/** The search box over the directory, answering as the admin types. */
function searchBox(ctx, uai, source, link) {
  const input = h('input', { type: 'search', id: 'match-search', dataset: { testid: 'match-search' }, autocomplete: 'off' });
  const all = h('input', { type: 'checkbox', id: 'match-search-all', dataset: { testid: 'match-search-all' } });
  const results = h('ul', { class: 'search-results', 'aria-live': 'polite', dataset: { testid: 'match-search-results' } });
  let asked = 0;
  const run = async () => {
    const text = input.value.trim();
    const mine = ++asked;
    if (!text) {
      clear(results);
      return;
    }
    try {
      const found = await ctx.api.matchSearch(uai, source, text, all.checked);
      if (mine !== asked) return;
      clear(results);
      if (!found.length) results.append(h('li', {}, t('matching.searchNothing')));
      for (const a of found) {
        results.append(
          h(
            'li',
            { dataset: { testid: 'match-search-result', account: a.account } },
            h('button', { type: 'button', class: 'btn btn--secondary', onclick: () => link(a.account) }, t('matching.link')),
            ' ',
            accountLine(a),
          ),
        );
      }
    } catch (err) {
      if (mine === asked) {
        clear(results);
        results.append(h('li', {}, errorBox(err, 'match-error')));
      }
    }
  };
  input.addEventListener('input', run);
  all.addEventListener('change', run);
  return h(
    'div',
    { class: 'search' },
    h('label', { for: 'match-search' }, t('matching.search')),
    input,
    h('label', { class: 'inline' }, all, ' ', t('matching.searchAll')),
    results,
  );
}

async function renderStep(panel, ctx, uai, source, category, refreshOverview) {
  clear(panel);
  panel.append(h('p', { class: 'loading' }, t('app.loading')));
  let step;
  try {
    step = await ctx.api.matchStep(uai, source, category);
  } catch (err) {
    clear(panel);
    panel.append(errorBox(err, 'match-error'));
    return;
  }
  clear(panel);
  panel.append(h('p', { dataset: { testid: 'match-step-counts' } }, counts(step.counts)));
  const decide = async (decision, sourceId) => {
    try {
      if (decision === 'undo') {
        const undone = await ctx.api.matchUndo(uai, source);
        announce(undone ? t('matching.undone') : t('matching.nothingToUndo'));
      } else {
        await ctx.api.matchDecide(uai, source, sourceId, decision);
      }
    } catch (err) {
      announceError(err);
    }
    await refreshOverview();
    await renderStep(panel, ctx, uai, source, category, refreshOverview);
    const card = panel.querySelector('[data-testid="match-review-card"]');
    if (card) card.focus();
  };
  if (step.next !== null && step.next !== undefined) {
    const item = step.review[step.next];
    const done = step.review.filter((r) => r.choice && r.choice.state !== 'skipped').length;
    panel.append(
      reviewCard(item, done + 1, step.review.length, (d) => decide(d, item.source_id)),
      searchBox(ctx, uai, source, (account) => decide({ kind: 'link', account }, item.source_id)),
    );
  } else {
    panel.append(
      h('p', { class: 'done', dataset: { testid: 'match-step-done' } }, step.review.length ? t('matching.stepDone') : t('matching.nothingToReview')),
      h('div', { class: 'toolbar' }, h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'match-undo' }, onclick: () => decide('undo') }, t('matching.undo'))),
    );
  }
  const reviewed = step.review.filter((r) => r.choice);
  if (reviewed.length) {
    panel.append(
      h(
        'details',
        {},
        h('summary', {}, t('matching.decidedList', { n: formatNumber(reviewed.length) })),
        h('ul', { dataset: { testid: 'match-decided' } }, reviewed.map((r) => h('li', {}, `${personName(r.last_name, r.first_name)} : ${choiceText(r.choice, r)}`))),
      ),
    );
  }
  if (step.auto.length) {
    panel.append(
      h(
        'details',
        {},
        h('summary', {}, t('matching.autoList', { n: formatNumber(step.auto.length) })),
        h(
          'ul',
          { dataset: { testid: 'match-auto-list' } },
          step.auto.slice(0, 500).map((r) => h('li', {}, `${personName(r.last_name, r.first_name)} → ${chosenAccount(r, r.account)}`)),
        ),
      ),
    );
  }
}

function personName(last, first) {
  return [last, first].filter(Boolean).join(' ');
}

/** The dry run: each link as a person reads it, one page at a time. */
function previewBox(p, testid) {
  const table = pagedTable({
    caption: t('matching.previewCaption'),
    testid: `${testid}-table`,
    rowAttrs: (r) => ({ dataset: { testid: 'match-preview-row', category: r.category, manual: String(r.manual) } }),
    columns: [
      { label: t('matching.col.step'), cell: (r) => t(`matching.category.${r.category}`) },
      { label: t('matching.col.source'), cell: (r) => personName(r.last_name, r.first_name) },
      { label: t('matching.col.classes'), cell: (r) => r.classes.join(', ') || '—' },
      {
        label: t('matching.col.account'),
        cell: (r) => (r.account ? accountLine(r.account, { short: true }) : r.structure || t('matching.accountUnknown')),
      },
      { label: t('matching.col.decided'), cell: (r) => t(r.manual ? 'matching.decided.manual' : 'matching.decided.auto') },
    ],
  });
  table.setRows(p.rows);
  return h(
    'div',
    { class: 'verdict', dataset: { testid } },
    h('p', {}, t('matching.previewCounts', { auto: tn('matching.autoLinks', p.auto), manual: tn('matching.manualLinks', p.manual) })),
    table.element,
  );
}

export default {
  id: 'rapprochement',
  titleKey: 'nav.rapprochement',
  async render(root, ctx) {
    root.append(viewTitle(t('nav.rapprochement')), h('p', { class: 'lead' }, t('matching.lead')));
    const entry = usableEstablishment(root, ctx, 'match-error');
    if (!entry) return;
    const uai = entry.uai;
    establishmentNames = new Map((ctx.establishments || []).filter((e) => e.name).map((e) => [e.uai, e.name]));
    const place = placeFor(uai);
    const sources = h(
      'div',
      { class: 'toolbar', role: 'group', 'aria-label': t('matching.sourceLabel') },
      ['pronote', 'edt'].map((s) =>
        h('button', { type: 'button', class: place.source === s ? 'btn' : 'btn btn--secondary', 'aria-pressed': String(place.source === s), dataset: { testid: `match-source-${s}` }, onclick: () => { place.source = s; place.step = null; ctx.rerender(); } }, t(`matching.source.${s}`)),
      ),
    );
    const head = h('div', { dataset: { testid: 'match-overview' } }, h('p', { class: 'loading' }, t('app.loading')));
    const steps = h('nav', { class: 'steps', 'aria-label': t('matching.stepsLabel') });
    const panel = h('div', { dataset: { testid: 'match-step' } });
    const result = h('div', { 'aria-live': 'polite' });
    const preview = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'match-preview' } }, t('matching.preview'));
    const apply = h('button', { type: 'button', class: 'btn', dataset: { testid: 'match-apply' } }, t('matching.apply'));
    const exportCsv = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'match-export' } }, t('matching.export'));
    const actions = h('div', { class: 'toolbar' }, preview, apply, exportCsv);
    // The actions sit above the step: a step that finishes loading grows
    // below them and never moves a button under the pointer.
    root.append(sources, head, actions, result, steps, panel);

    let overview;
    // Draws the session line and the steps from the overview last read.
    const drawOverview = () => {
      clear(head);
      head.append(
        h('p', { dataset: { testid: 'match-session' } }, t(overview.resumed ? 'matching.resumed' : 'matching.started', { at: formatDateTime(overview.started_at), decisions: tn('matching.decisionsTaken', overview.decisions), accounts: formatNumber(overview.directory_accounts) })),
      );
      clear(steps);
      for (const s of overview.steps) {
        const current = s.category === place.step;
        steps.append(
          h(
            'button',
            { type: 'button', class: current ? 'btn' : 'btn btn--secondary', 'aria-current': current ? 'step' : null, dataset: { testid: `match-step-${s.category}` }, onclick: () => { place.step = s.category; ctx.rerender(); } },
            h('span', {}, t(`matching.category.${s.category}`)),
            ' ',
            h('span', { class: 'muted' }, t('matching.stepBadge', { review: formatNumber(s.counts.review + s.counts.none - s.counts.decided), records: formatNumber(s.counts.records) })),
          ),
        );
      }
    };
    const refreshOverview = async () => {
      overview = await ctx.api.matchOpen(uai, place.source);
      drawOverview();
    };
    // The toolbar answers as soon as it is shown, while the step still loads.
    preview.addEventListener('click', async () => {
      clear(result);
      try {
        result.append(previewBox(await ctx.api.matchPreview(uai, place.source), 'match-preview-result'));
      } catch (err) {
        result.append(errorBox(err, 'match-error'));
      }
    });
    apply.addEventListener('click', async () => {
      clear(result);
      try {
        const done = await ctx.api.matchApply(uai, place.source);
        const text = t('matching.applied', { n: tn('matching.linksWritten', done.auto + done.manual), q: tn('matching.changesWaiting', done.queued) });
        announce(text);
        result.append(h('p', { dataset: { testid: 'match-applied' } }, text));
        // The session is closed. Reading the overview again would open (and
        // journal) a new one unasked: a new session starts when asked for.
        clear(head);
        head.append(h('p', { dataset: { testid: 'match-session' } }, t('matching.closed')));
        steps.remove();
        panel.remove();
        actions.remove();
        const again = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'match-new-session' }, onclick: () => { place.step = null; ctx.rerender(); } }, t('matching.newSession'));
        result.append(again);
        again.focus(); // the button pressed is gone
      } catch (err) {
        result.append(errorBox(err, 'match-error'));
      }
    });
    exportCsv.addEventListener('click', async () => {
      try {
        const csv = await ctx.api.matchExport(uai, place.source);
        const path = await ctx.api.saveTextFile(`correspondance_${place.source}_${uai}.csv`, csv);
        if (path) announce(t('matching.exported', { path }));
      } catch (err) {
        announceError(err);
      }
    });
    try {
      await refreshOverview();
    } catch (err) {
      clear(head);
      if (isNothingImported(err)) {
        // Nothing to reconcile yet: say what to import; the steps and actions would be empty shells.
        head.append(nothingImported(err, { testid: 'match-empty', variant: place.source }));
        steps.remove();
        actions.remove();
        return;
      }
      head.append(errorBox(err, 'match-error'));
      preview.disabled = apply.disabled = exportCsv.disabled = true;
      return;
    }
    if (!place.step) {
      // Open where records wait for the administrator.
      place.step = overview.first_step || overview.steps[0].category;
      // Drawn again from what was just read: a second opening would race with
      // a click on the toolbar, which answers while the step loads.
      drawOverview();
    }
    await renderStep(panel, ctx, uai, place.source, place.step, refreshOverview);
  },
};
