// Journal: the establishment's audit log and an integrity check of its hash chain.
import { h, clear } from '../components/dom.js';
import { errorBox } from '../components/notice.js';
import { t, tn, has, formatDateTime, formatNumber } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { usableEstablishment } from './common.js';

const LIMIT = 500;

function actionLabel(code) {
  return has(`actions.${code}`) ? t(`actions.${code}`) : code;
}

/** `marie@cli` → "marie (ligne de commande)"; anything else as is. */
function actorLabel(actor) {
  const at = String(actor).lastIndexOf('@');
  if (at < 0) return String(actor);
  const via = actor.slice(at + 1);
  return has(`interfaces.${via}`) ? t('journal.actorVia', { user: actor.slice(0, at), via: t(`interfaces.${via}`) }) : actor;
}

function detailValue(key, value) {
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  if (key === 'kind' && has(`kinds.${value}`)) return t(`kinds.${value}`);
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** The detail is JSON text: shown as "clé : valeur" lines, or as is when it is not an object. */
function detailCell(detail) {
  let value;
  try {
    value = JSON.parse(detail);
  } catch {
    return h('td', {}, String(detail));
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return h('td', {}, JSON.stringify(value));
  const rows = Object.entries(value).map(([k, v]) =>
    h('div', {}, h('dt', {}, has(`detailKeys.${k}`) ? t(`detailKeys.${k}`) : k), h('dd', {}, detailValue(k, v))),
  );
  return h('td', {}, rows.length ? h('dl', { class: 'detail' }, rows) : '—');
}

function entriesTable(entries) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'journal', dataset: { testid: 'journal-table' } },
      h('caption', {}, tn('journal.caption', entries.length)),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', class: 'num' }, t('journal.seq')),
          h('th', { scope: 'col' }, t('journal.date')),
          h('th', { scope: 'col' }, t('journal.actor')),
          h('th', { scope: 'col' }, t('journal.action')),
          h('th', { scope: 'col' }, t('journal.detail')),
        ),
      ),
      h(
        'tbody',
        {},
        entries.map((e) =>
          h(
            'tr',
            { dataset: { testid: 'journal-entry', seq: String(e.seq), action: e.action } },
            h('td', { class: 'num seq' }, formatNumber(e.seq)),
            h('td', { class: 'when' }, h('time', { datetime: e.at }, formatDateTime(e.at))),
            h('td', {}, actorLabel(e.actor)),
            h('td', {}, actionLabel(e.action)),
            detailCell(e.detail),
          ),
        ),
      ),
    ),
  );
}

function verdictBox(v) {
  if (v.ok) {
    return h(
      'div',
      { class: 'notice notice--ok', dataset: { testid: 'verify-verdict', ok: 'true' } },
      h('p', { class: 'notice__title' }, `✓ ${t('journal.verdictOkTitle')}`),
      h('p', {}, tn('journal.verdictOk', v.entries)),
    );
  }
  const bad = v.first_bad || { seq: 0, reason: 'UNKNOWN' };
  const reason = has(`auditReasons.${bad.reason}`) ? t(`auditReasons.${bad.reason}`) : bad.reason;
  return h(
    'div',
    { class: 'notice notice--error', dataset: { testid: 'verify-verdict', ok: 'false' } },
    h('p', { class: 'notice__title' }, `✗ ${t('journal.verdictBadTitle')}`),
    h('p', {}, t('journal.verdictBad', { seq: formatNumber(bad.seq), reason })),
    h('p', {}, t('journal.verdictBadAdvice')),
  );
}

export default {
  id: 'journal',
  titleKey: 'nav.journal',
  async render(root, ctx) {
    root.append(viewTitle(t('nav.journal')), h('p', { class: 'lead' }, t('journal.lead')));
    const entry = usableEstablishment(root, ctx, 'journal-error');
    if (!entry) return;
    const verdict = h('div', { class: 'verdict', 'aria-live': 'polite', dataset: { testid: 'verify-result' } });
    const button = h('button', { type: 'button', class: 'btn', dataset: { testid: 'verify-integrity' } }, t('journal.verify'));
    button.addEventListener('click', async () => {
      button.disabled = true;
      clear(verdict);
      verdict.append(h('p', { class: 'loading' }, t('journal.verifying')));
      try {
        const v = await ctx.api.auditVerify(entry.uai);
        clear(verdict);
        verdict.append(verdictBox(v));
      } catch (err) {
        clear(verdict);
        verdict.append(errorBox(err, 'journal-error'));
      } finally {
        button.disabled = false;
      }
    });
    root.append(h('div', { class: 'toolbar' }, button), verdict);

    const list = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
    root.append(list);
    try {
      // Newest first, whatever order the store returns.
      const entries = (await ctx.api.auditLog(entry.uai, LIMIT)).slice().sort((a, b) => b.seq - a.seq);
      clear(list);
      list.append(entries.length ? entriesTable(entries) : h('p', { dataset: { testid: 'journal-empty' } }, t('journal.empty')));
    } catch (err) {
      clear(list);
      list.append(errorBox(err, 'journal-error'));
    }
  },
};
