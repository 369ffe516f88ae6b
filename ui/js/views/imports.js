// Imports: choose the school's export files, import them together with a
// progress bar and a cancel button, read the result per file and every
// rejected row, map the columns of a CSV table Préau did not recognise (and
// save that mapping as a preset), then the history of batches, the saved
// presets and the data-quality findings. The chosen files, a running import,
// the last result and an open mapping form survive a visit to another view
// (they belong to the establishment, not to the page).
import { h, clear } from '../components/dom.js';
import { announce, announceError, clearAnnouncement, errorBox } from '../components/notice.js';
import { t, tn, has, formatNumber } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { usableEstablishment } from './common.js';
import { loadReasons } from './imports/labels.js';
import { importReport } from './imports/report.js';
import { historySection } from './imports/history.js';
import { findingsSection } from './imports/findings.js';
import { mappingForm } from './imports/mapping.js';
import { presetsSection } from './imports/presets.js';

// Refusals after which the user may say which column is which.
const MAPPABLE = ['FORMAT_UNKNOWN', 'IMPORT_PRESET_DOES_NOT_FIT'];

/**
 * One per establishment: { files, running, cancelling, progress, outcome, fullRejects, cancelled, error, view,
 * paths (of the last import, in its order), proposals (file index → mapping proposal), presets (path → the
 * preset the user made for it), mapping (file index of the open mapping form, or null) }.
 */
const sessions = new Map();

function sessionFor(uai) {
  if (!sessions.has(uai)) {
    sessions.set(uai, {
      files: [],
      running: false,
      cancelling: false,
      progress: null,
      outcome: null,
      fullRejects: new Map(),
      cancelled: false,
      error: null,
      view: null,
      paths: [],
      proposals: new Map(),
      presets: {},
      mapping: null,
    });
  }
  return sessions.get(uai);
}

function baseName(path) {
  return String(path).split(/[\\/]/).pop();
}

/** Where the bar stands: checking the files is the first fifth, reading most of the rest. */
function fraction(p) {
  const n = Math.max(1, p.file_count);
  const within = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  switch (p.phase) {
    case 'detection':
      // Every file is read once to check it (hash, header): about a fifth of the work.
      return 0.2 * (p.file_index / n);
    case 'lecture':
      // The files are read side by side: done and total cover them all.
      return 0.2 + 0.7 * within;
    case 'controles':
      return 0.92;
    case 'constats':
      return 0.97;
    default:
      return 0;
  }
}

function progressText(p) {
  if (!p || !has(`imports.phase.${p.phase}`)) return t('imports.starting');
  return t(`imports.phase.${p.phase}`, { index: formatNumber(p.file_index + 1), count: formatNumber(p.file_count), file: p.file });
}

function chooser(ctx, uai, s) {
  const list = h('ul', { class: 'file-list', 'aria-label': t('imports.listLabel'), dataset: { testid: 'import-file-list' } });
  const choose = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'import-choose' } }, t('imports.choose'));
  const start = h('button', { type: 'button', class: 'btn', dataset: { testid: 'import-start' } }, t('imports.start'));
  const clearAll = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'import-clear' } }, t('imports.clear'));

  function draw() {
    clear(list);
    s.files.forEach((path, index) => {
      const name = baseName(path);
      const remove = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'aria-label': t('imports.removeLabel', { file: name }), dataset: { testid: 'import-remove' } }, t('imports.remove'));
      remove.disabled = s.running;
      remove.addEventListener('click', () => {
        s.files.splice(index, 1);
        delete s.presets[path];
        draw();
        announce(t('imports.removed', { file: name }));
        // Keep the keyboard where it was: the next row's button, else the chooser.
        const buttons = list.querySelectorAll('button');
        (buttons[Math.min(index, buttons.length - 1)] || choose).focus();
      });
      list.append(h('li', { dataset: { testid: 'import-file', path } }, h('span', { class: 'file-name' }, name), h('span', { class: 'file-meta' }, path), remove));
    });
    if (!s.files.length) list.append(h('li', { class: 'muted', dataset: { testid: 'import-no-file' } }, t('imports.noFiles')));
    choose.disabled = s.running;
    start.disabled = s.running || !s.files.length;
    clearAll.disabled = s.running || !s.files.length;
  }

  choose.addEventListener('click', async () => {
    choose.disabled = true;
    try {
      const picked = await ctx.api.pickImportFiles();
      const fresh = picked.filter((p) => !s.files.includes(p));
      s.files.push(...fresh);
      if (picked.length) announce(fresh.length ? tn('imports.added', fresh.length) : t('imports.alreadyListed'));
    } catch (err) {
      announceError(err);
    } finally {
      draw();
      choose.focus();
    }
  });
  clearAll.addEventListener('click', () => {
    s.files = [];
    s.presets = {};
    draw();
    announce(t('imports.cleared'));
    choose.focus();
  });
  start.addEventListener('click', () => runImport(ctx, uai, s));

  draw();
  return {
    element: h(
      'section',
      { class: 'imports-section', 'aria-labelledby': 'choose-title', dataset: { testid: 'import-chooser' } },
      h('h2', { id: 'choose-title' }, t('imports.chooseTitle')),
      h('p', { class: 'muted' }, t('imports.formatsHint')),
      h('div', { class: 'toolbar' }, choose, start, clearAll),
      list,
      h('p', { class: 'muted' }, t('imports.togetherHint')),
    ),
    draw,
  };
}

function progressPanel(ctx, s) {
  const bar = h('progress', { id: 'import-progress-bar', max: '100', 'aria-labelledby': 'import-progress-label', 'aria-describedby': 'import-progress-text', dataset: { testid: 'import-progress-bar' } });
  const percent = h('span', { class: 'progress__percent', 'aria-hidden': 'true', dataset: { testid: 'import-progress-percent' } });
  const text = h('p', { id: 'import-progress-text', class: 'progress__text', 'aria-live': 'polite', dataset: { testid: 'import-progress-text' } });
  const cancel = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'import-cancel' } }, t('imports.cancel'));
  const heading = h('h2', { id: 'import-progress-title', tabindex: '-1' }, t('imports.progressTitle'));
  cancel.addEventListener('click', async () => {
    s.cancelling = true;
    update();
    try {
      await ctx.api.cancelImport();
    } catch (err) {
      announceError(err);
    }
  });
  const element = h(
    'section',
    { class: 'imports-section import-progress', 'aria-labelledby': 'import-progress-title', dataset: { testid: 'import-progress' } },
    heading,
    h('p', { id: 'import-progress-label', class: 'visually-hidden' }, t('imports.progressLabel')),
    h('div', { class: 'progress' }, bar, percent),
    text,
    cancel,
  );

  function update() {
    element.hidden = !s.running;
    if (!s.running) return;
    const p = s.progress;
    if (p && p.phase) {
      const value = Math.round(fraction(p) * 100);
      bar.value = value;
      percent.textContent = t('imports.percent', { percent: formatNumber(value) });
    } else {
      bar.removeAttribute('value'); // indeterminate until the first message
      percent.textContent = '';
    }
    // The live region speaks only when the sentence changes, not at every percent.
    const sentence = s.cancelling ? t('imports.cancelling') : progressText(p);
    if (text.textContent !== sentence) text.textContent = sentence;
    cancel.disabled = s.cancelling;
    cancel.textContent = s.cancelling ? t('imports.cancelling') : t('imports.cancel');
  }
  update();
  return {
    element,
    update,
    focus() {
      heading.focus();
      // The whole panel in view, cancel button included.
      element.scrollIntoView({ block: 'nearest' });
    },
  };
}

/** Imports the chosen files; `skipRefused` imports the last import's acceptable files without its refused ones. */
async function runImport(ctx, uai, s, skipRefused = false) {
  if (s.running || !(skipRefused ? s.paths.length : s.files.length)) return;
  const paths = skipRefused ? s.paths.slice() : s.files.slice();
  Object.assign(s, { running: true, cancelling: false, progress: null, outcome: null, fullRejects: new Map(), cancelled: false, error: null, proposals: new Map(), mapping: null });
  s.paths = paths;
  // Only the mappings the user made for files still in the list; saved presets apply by themselves.
  const given = Object.fromEntries(paths.filter((p) => s.presets[p]).map((p) => [p, s.presets[p]]));
  if (s.view && s.view.isCurrent()) s.view.started();
  try {
    const outcome = await ctx.api.importFiles(
      uai,
      paths,
      (p) => {
        s.progress = p;
        if (s.view && s.view.isCurrent()) s.view.progress();
      },
      Object.keys(given).length ? given : null,
      skipRefused,
    );
    // The report carries the first rejects of each file; the store has them all.
    if (outcome.committed) {
      await Promise.all(
        outcome.files.map(async (f, index) => {
          if (f.batch_id != null && (f.rejects || []).length < f.rejected) {
            try {
              s.fullRejects.set(index, await ctx.api.batchRejects(uai, f.batch_id));
            } catch {
              // The report's first rejects still show, with a note that there are more.
            }
          }
        }),
      );
      s.files = [];
      s.presets = {};
      // The header's selector shows the name the import may have given the establishment.
      if (ctx.reloadEstablishments) await ctx.reloadEstablishments().catch(() => {});
    } else {
      // A CSV table Préau did not recognise gets the mapping step; anything else (no table) does not.
      await Promise.all(
        outcome.files.map(async (f, index) => {
          if (!MAPPABLE.includes(f.error)) return;
          try {
            s.proposals.set(index, await ctx.api.csvMappingProposal(paths[index]));
          } catch {
            // Not a table Préau can map: the refusal stands alone.
          }
        }),
      );
    }
    s.outcome = outcome;
  } catch (err) {
    if (err && err.code === 'IMPORT_CANCELLED') s.cancelled = true;
    else s.error = err;
  } finally {
    s.running = false;
    s.cancelling = false;
  }
  if (s.view && s.view.isCurrent()) s.view.finished();
  else announce(t('imports.done'));
}

function resultBlock(ctx, uai, s, mapping, onSkipRefused) {
  if (s.cancelled) {
    return h('div', { class: 'notice', dataset: { testid: 'import-cancelled' } }, h('p', {}, t('imports.cancelled')));
  }
  if (s.error) return errorBox(s.error, 'import-error');
  if (s.outcome) return importReport(ctx.api, s.outcome, { uai, fullRejects: s.fullRejects, mapping, onSkipRefused });
  return null;
}

export default {
  id: 'imports',
  titleKey: 'nav.imports',
  async render(root, ctx) {
    root.append(viewTitle(t('nav.imports')), h('p', { class: 'lead' }, t('imports.lead')));
    const entry = usableEstablishment(root, ctx, 'imports-error');
    if (!entry) return;
    // A store created in the app, still without data: where its data comes from.
    const fresh = h(
      'div',
      { class: 'notice', hidden: true, dataset: { testid: 'imports-first-time' } },
      h('p', { class: 'notice__title' }, t('imports.firstTitle', { uai: entry.uai })),
      h('p', {}, t('imports.firstText')),
    );
    root.append(fresh);
    const uai = entry.uai;
    const s = sessionFor(uai);
    const reasons = loadReasons(ctx.api);

    const pick = chooser(ctx, uai, s);
    const progress = progressPanel(ctx, s);
    const resultHeading = h('h2', { id: 'import-result-title', tabindex: '-1' }, t('imports.resultTitle'));
    const result = h('section', { class: 'imports-section', 'aria-labelledby': 'import-result-title', dataset: { testid: 'import-result' } }, resultHeading);
    const resultBody = h('div');
    // The verdict in one sentence for screen readers; the report itself is read after the heading gets focus.
    const said = h('p', { class: 'visually-hidden', 'aria-live': 'polite', dataset: { testid: 'import-said' } });
    result.append(resultBody);
    const mappingHost = h('div', { dataset: { testid: 'import-mapping-host' } });
    const history = historySection(ctx.api, uai);
    const presets = presetsSection(ctx.api, uai);
    const findings = findingsSection(ctx.api, uai);
    root.append(pick.element, progress.element, said, result, mappingHost, history.element, presets.element, findings.element);

    async function refreshHistory() {
      const batches = await history.refresh();
      fresh.hidden = Boolean(entry.name) || !batches || batches.length > 0;
    }

    function mapButtonFor(index) {
      return result.querySelector(`[data-testid="import-map"][data-index="${index}"]`);
    }

    function closeMapping() {
      const index = s.mapping;
      s.mapping = null;
      clear(mappingHost);
      const button = index === null ? null : mapButtonFor(index);
      if (button) button.focus();
    }

    function drawMapping(focus) {
      clear(mappingHost);
      const index = s.mapping;
      const proposal = index === null ? null : s.proposals.get(index);
      if (!proposal || s.running) {
        s.mapping = null;
        return;
      }
      const path = s.paths[index];
      const form = mappingForm({
        proposal,
        presets: presets.list(),
        onCancel: closeMapping,
        async onSubmit(preset) {
          presets.set(await ctx.api.saveColumnPreset(uai, preset));
          // The same import again, this file read with the new preset.
          s.presets[path] = preset;
          if (!s.files.includes(path)) s.files.push(path);
          s.mapping = null;
          clear(mappingHost);
          await runImport(ctx, uai, s);
        },
      });
      mappingHost.append(form.element);
      if (focus) form.focus();
    }

    const mapping = {
      can: (index) => !s.running && s.proposals.has(index),
      open(index) {
        s.mapping = index;
        drawMapping(true);
      },
    };

    async function drawResult() {
      await reasons;
      clear(resultBody);
      const block = resultBlock(ctx, uai, s, mapping, () => runImport(ctx, uai, s, true));
      result.hidden = !block;
      if (block) resultBody.append(block);
      if (s.outcome) {
        // The groups a rule populates may change with this import: said here, applied there.
        ctx.api.groupsOverview(uai).then((o) => {
          const n = o.groups.filter((g) => g.entrants + g.sortants > 0).length;
          if (n > 0 && block && block.isConnected) {
            resultBody.append(h('div', { class: 'notice notice--warn', dataset: { testid: 'import-groups-changed' } },
              h('p', {}, t('imports.groupsChanged', { n }), ' ', h('a', { href: '#/groupes' }, t('imports.toGroups')))));
          }
        }).catch(() => {});
      }
      return block;
    }

    s.view = {
      isCurrent: ctx.isCurrent,
      started() {
        said.textContent = '';
        clearAnnouncement();
        clear(mappingHost);
        pick.draw();
        progress.update();
        result.hidden = true;
        progress.focus();
      },
      progress: () => progress.update(),
      async finished() {
        pick.draw();
        progress.update();
        const block = await drawResult();
        const verdict = block && (block.querySelector('[data-testid="import-verdict"]') || block);
        said.textContent = verdict ? verdict.textContent : '';
        // The verdict at the top of the window, not at its bottom edge below a long list of files
        // (the focus must not scroll by itself: WebKit would do it after, to the nearest edge).
        resultHeading.focus({ preventScroll: true });
        result.scrollIntoView({ block: 'start' });
        await Promise.all([refreshHistory(), findings.refresh()]);
      },
    };

    await drawResult();
    drawMapping(false);
    await Promise.all([refreshHistory(), presets.refresh(), findings.refresh()]);
  },
};
