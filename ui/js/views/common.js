// Pieces shared by several views.
import { h } from '../components/dom.js';
import { t } from '../i18n.js';
import { errorBox } from '../components/notice.js';

function quoted(path) {
  return /\s/.test(path) ? `"${path}"` : path;
}

/** No establishment in the data folder yet: say why and what to do. */
export function emptyState(ctx) {
  const dir = ctx.appInfo && ctx.appInfo.data_dir;
  const command = `preau-cli ${dir ? `--data-dir ${quoted(dir)} ` : ''}demo --uai 0999001W --kind college --seed 1`;
  const refresh = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'refresh-establishments' } }, t('empty.refresh'));
  refresh.addEventListener('click', () => ctx.refresh());
  const create = h('a', { href: '#/nouvel-etablissement', class: 'btn', dataset: { testid: 'empty-new-establishment' } }, t('establishment.new'));
  return h(
    'section',
    { class: 'empty', 'aria-labelledby': 'empty-title', dataset: { testid: 'empty-state' } },
    h('h2', { id: 'empty-title' }, t('empty.title')),
    h('p', {}, dir ? t('empty.where', { dir }) : t('empty.whereUnknown')),
    h('p', {}, t('empty.create')),
    h('p', {}, create),
    h('h3', {}, t('empty.demoTitle')),
    h('p', {}, t('empty.demo')),
    h('p', {}, h('code', { dataset: { testid: 'demo-command' } }, command)),
    h('p', {}, t('empty.refreshHint')),
    h('p', {}, refresh),
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
