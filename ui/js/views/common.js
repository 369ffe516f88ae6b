// Pieces shared by several views.
import { h } from '../components/dom.js';
import { t } from '../i18n.js';

/** No establishment in the data folder yet: say why and what to do. */
export function emptyState(ctx) {
  const dir = ctx.appInfo && ctx.appInfo.data_dir;
  return h(
    'section',
    { class: 'empty', 'aria-labelledby': 'empty-title', dataset: { testid: 'empty-state' } },
    h('h2', { id: 'empty-title' }, t('empty.title')),
    h('p', {}, dir ? t('empty.where', { dir }) : t('empty.whereUnknown')),
    h('p', {}, t('empty.demo')),
    h('p', {}, h('code', {}, 'preau-cli demo --uai 0999001W --kind college --seed 1')),
    h('p', {}, t('empty.imports')),
  );
}
