// Nothing imported yet is a normal state, not an error: the view says what
// to import and links to Imports (as Accueil does), in a neutral box with no
// code. Errors keep their red box (notice.js).
import { h } from './dom.js';
import { t, has } from '../i18n.js';

/** The codes the core answers with when a view's data has simply not been imported yet. */
export const NOTHING_IMPORTED = ['NO_POPULATION', 'SYNC_NO_POPULATION', 'MATCH_NO_SOURCE', 'MATCH_NO_DIRECTORY'];

export function isNothingImported(err) {
  return Boolean(err && NOTHING_IMPORTED.includes(err.code));
}

/**
 * The empty state for `err` (one of NOTHING_IMPORTED). `needs` is the view's
 * own sentence on what it is built from; `variant` picks a code's variant
 * (the reconciliation's source: `pronote` or `edt`).
 */
export function nothingImported(err, { testid, needs, variant } = {}) {
  const code = err && err.code;
  const key = variant && has(`emptyData.${code}.${variant}`) ? `emptyData.${code}.${variant}` : `emptyData.${code}`;
  return h(
    'section',
    { class: 'notice empty-state', 'aria-labelledby': `${testid}-title`, dataset: { testid, code } },
    h('h2', { id: `${testid}-title`, class: 'notice__title' }, t('emptyData.title')),
    needs ? h('p', {}, needs) : null,
    h('p', {}, t(key)),
    h('p', {}, h('a', { href: '#/imports', class: 'btn', dataset: { testid: `${testid}-go-imports` } }, t('emptyData.goImports'))),
  );
}
