// Pieces shared by several views.
import { h, clear } from '../components/dom.js';
import { t } from '../i18n.js';
import { errorBox } from '../components/notice.js';
import { restoreSection } from '../components/restore.js';

/** No establishment in the data folder yet: the three ways to begin. */
export function emptyState(ctx) {
  const dir = ctx.appInfo && ctx.appInfo.data_dir;
  const create = h('a', { href: '#/nouvel-etablissement', class: 'btn btn--secondary', dataset: { testid: 'empty-new-establishment' } }, t('establishment.new'));
  const fromServer = h('a', { href: '#/nouvel-etablissement?serveur', class: 'btn btn--secondary', dataset: { testid: 'empty-from-server' } }, t('empty.fromServer'));
  const discover = h('button', { type: 'button', class: 'btn', dataset: { testid: 'demo-discover' } }, t('empty.discover'));
  const meter = h('progress', { max: '1', value: '0', hidden: '', dataset: { testid: 'demo-progress' }, 'aria-label': t('empty.discoverProgress') });
  const said = h('p', { class: 'muted', 'aria-live': 'polite', dataset: { testid: 'demo-status' } });
  const outcome = h('div', {});
  discover.addEventListener('click', async () => {
    discover.disabled = true;
    meter.hidden = false;
    clear(outcome);
    said.textContent = t('empty.discovering');
    try {
      const uai = await ctx.api.demoDiscover((p) => {
        meter.max = String(Math.max(p.file_count, 1));
        meter.value = String(p.file_index);
        said.textContent = t('empty.discoveringFile', { n: p.file_index + 1, count: p.file_count });
      });
      await ctx.openEstablishment(uai, 'accueil', t('empty.discovered'));
    } catch (err) {
      discover.disabled = false;
      meter.hidden = true;
      said.textContent = '';
      outcome.append(errorBox(err, 'demo-error'));
    }
  });
  return h(
    'section',
    { class: 'empty', 'aria-labelledby': 'empty-title', dataset: { testid: 'empty-state' } },
    h('h2', { id: 'empty-title' }, t('empty.title')),
    h('p', {}, dir ? t('empty.where', { dir }) : t('empty.whereUnknown')),
    h('h3', {}, t('empty.demoTitle')),
    h('p', {}, t('empty.demo')),
    h('div', { class: 'toolbar' }, discover, meter),
    said,
    outcome,
    h('h3', {}, t('empty.realTitle')),
    h('p', {}, t('empty.create')),
    h('div', { class: 'toolbar' }, create, fromServer),
    restoreSection(ctx),
  );
}

/**
 * The selected establishment when its store can be read; otherwise appends
 * what stands in the way (listing error, empty folder, unreadable store) and
 * returns null.
 */
export function usableEstablishment(root, ctx, errorTestId) {
  if (ctx.listError) {
    root.append(errorBox(ctx.listError, errorTestId));
    return null;
  }
  const entry = ctx.entry();
  if (!entry) {
    root.append(emptyState(ctx));
    return null;
  }
  if (entry.error) {
    root.append(errorBox({ code: entry.error, message: '', params: { uai: entry.uai } }, errorTestId));
    return null;
  }
  return entry;
}

/**
 * A view's action runner: `fail(err, where)` shows an error box in `where`
 * (the view's status region by default); `run(work, where)` makes a click
 * handler that disables its button while `work` runs and shows what it throws.
 */
export function actions(status, testid) {
  const fail = (err, where = status) => {
    clear(where);
    where.append(errorBox(err, testid));
  };
  const run = (work, where = status) => async (ev) => {
    const button = ev && ev.currentTarget;
    if (button) button.disabled = true;
    clear(status);
    try {
      await work();
    } catch (err) {
      fail(err, where);
    } finally {
      if (button && button.isConnected) button.disabled = false;
    }
  };
  return { fail, run };
}
