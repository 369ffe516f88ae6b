// Notices: the global polite status region (progress, results) and inline
// boxes. Errors always carry a written label ("Erreur"), never colour alone.
import { h, clear } from './dom.js';
import { t, errorMessage } from '../i18n.js';

const region = () => document.getElementById('status');

/** Announces a short message in the global live region. */
export function announce(message) {
  const el = region();
  if (!el) return;
  clear(el);
  if (message) el.append(h('p', { class: 'notice' }, message));
}

/** Announces an error in the global live region. */
export function announceError(err) {
  const el = region();
  if (!el) return;
  clear(el);
  el.append(errorBox(err));
}

export function clearAnnouncement() {
  const el = region();
  if (el) clear(el);
}

/** An error box with its translated message and, for support, the code. Announced when inserted. */
export function errorBox(err, testid = 'error') {
  return h(
    'div',
    { class: 'notice notice--error', role: 'alert', dataset: { testid, code: (err && err.code) || 'UNKNOWN' } },
    h('p', { class: 'notice__title' }, t('notice.error')),
    h('p', {}, errorMessage(err)),
    h('p', { class: 'notice__code' }, t('notice.code', { code: (err && err.code) || 'UNKNOWN' })),
  );
}
