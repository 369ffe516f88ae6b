// Journal: the establishment's audit log, each entry said as a sentence
// (what was done, by whom, when), its details folded out in words; and an
// integrity check of the hash chain.
import { h, clear } from '../components/dom.js';
import { errorBox } from '../components/notice.js';
import { t, tn, has, formatDate, formatDateTime, formatNumber } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { usableEstablishment } from './common.js';

const LIMIT = 500;

const size = (v) => (Array.isArray(v) ? v.length : Number.isFinite(Number(v)) ? Number(v) : 0);
const count = (key, v) => tn(`journal.n.${key}`, size(v));
const fileName = (path) => String(path || '').split(/[\\/]/).pop();

/** A known value in words (`journal.values.<key>.<value>`), or null. */
function valueWord(key, value) {
  const k = `journal.values.${key}.${value}`;
  return has(k) ? t(k) : null;
}

/** The values each action's sentence takes, from its detail. */
const PARAMS = {
  STORE_CREATED: (d) => ({ uai: d.uai }),
  DEMO_GENERATED: (d) => ({ kind: has(`kinds.${d.kind}`) ? t(`kinds.${d.kind}`).toLowerCase() : t('journal.unknownValue') }),
  IMPORT: (d) => ({ files: count('files', d.files) }),
  COLUMN_PRESET_SAVED: (d) => ({ name: d.name }),
  MATCH_SESSION_STARTED: (d) => ({ source: has(`journal.sourceOf.${d.source}`) ? t(`journal.sourceOf.${d.source}`) : null }),
  MATCH_APPLIED: (d) => ({ links: count('links', d.links) }),
  SYNC_CONFIGURED: (d) => ({ url: d.url }),
  SYNC_PULLED: (d) => ({ resources: count('resources', d.resources) }),
  SYNC_QUEUED: (d) => ({ memberships: count('memberships', d.memberships) }),
  SYNC_PUSHED: (d) => ({ resource: has(`journal.resourceOf.${d.resource}`) ? t(`journal.resourceOf.${d.resource}`) : null }),
  SYNC_RESOLVED: (d) => ({ kept: valueWord('kept', d.kept) }),
  SYNC_REJECTED: (d) => ({ resource: has(`journal.resourceOf.${d.resource}`) ? t(`journal.resourceOf.${d.resource}`) : null }),
  SYNC_CONNECTOR_SET: (d) => ({ connector: valueWord('connector', d.connector) }),
  WORKLIST_DONE: (d) => ({ action: d.action, name: d.name, changes: count('confirmed', d.changes) }),
  WORKLIST_IMPOSSIBLE: (d) => ({ action: d.action, name: d.name, reason: d.reason }),
  WORKLIST_RETRIED: (d) => ({ action: d.action, name: d.name }),
  ENT_NG_EXPORTED: (d) => ({ mode: valueWord('exportMode', d.delta ? 'delta' : 'full'), files: count('files', d.files), folder: d.folder }),
  BACKUP_WRITTEN: (d) => ({ file: fileName(d.file), journal: count('journal', d.journal) }),
  STORE_RESTORED: (d) => ({ file: fileName(d.file), replaced: valueWord('replaced', d.replaced ? 'yes' : 'no') || '' }),
  ENT_NG_IMPORTED: (d) => ({ files: count('files', d.files), changes: count('confirmed', d.changes) }),
  ACCOUNT_LOGIN_SET: (d) => ({ name: d.name, from: d.from, to: d.to }),
  VISIBILITY_CHANGED: (d) => ({ changes: count('changes', d.changes) }),
  FUNCTION_NODES_QUEUED: (d) => ({ accounts: count('accounts', d.accounts) }),
  FUNCTION_MEMBER_SET: (d) => ({ node: d.node }),
  GROUP_CREATED: (d) => ({ name: d.name }),
  GROUP_RENAMED: (d) => ({ from: d.from, to: d.to }),
  GROUP_DELETED: (d) => ({ name: d.name }),
  GROUP_MEMBERS_ADDED: (d) => ({ people: count('people', d.people) }),
  GROUP_MEMBERS_REMOVED: (d) => ({ people: count('people', d.people) }),
  GROUP_EVALUATED: (d) => ({ entrants: count('entrants', d.entrants), sortants: count('sortants', d.sortants) }),
  RENTREE_STEP: (d) => ({
    step: d.title ? t('journal.theStep', { title: d.title }) : t('journal.aStep'),
    status: d.status ? t(`rentree.status.${d.status}`) : t('rentree.auto').toLowerCase(),
  }),
  YEAR_TRANSITION: (d) => ({ from: `${d.from_year}-${Number(d.from_year) + 1}`, to: `${d.to_year}-${Number(d.to_year) + 1}` }),
  ACCOUNT_CREATED: (d) => ({ name: d.name, login: d.login }),
  ACCOUNT_EXTENDED: (d) => ({ name: d.name, until: d.until ? t('journal.until', { date: formatDate(d.until) }) : t('journal.perenne') }),
  ACCOUNT_CLOSED: (d) => ({ name: d.name }),
  FUNCTION_ADDED: (d) => ({ function: d.function, name: d.name }),
  FUNCTION_REMOVED: (d) => ({ function: d.function, name: d.name }),
  FOLLOW_ADDED: (d) => ({ pupils: count('pupils', d.pupils) }),
  FOLLOW_REMOVED: (d) => ({ pupils: count('pupils', d.pupils) }),
  TICKET_WRITTEN: (d) => ({ subject: d.subject, people: count('people', d.people), folder: d.folder }),
};

/** `marie@cli` → { who: 'marie', via: 'cli' }. */
function actorParts(actor) {
  const text = String(actor || '');
  const at = text.lastIndexOf('@');
  return at < 0 ? { who: text || t('journal.unknownValue'), via: null } : { who: text.slice(0, at), via: text.slice(at + 1) };
}

/** The entry as one sentence: what was done, by whom. */
export function sentence(entry, detail) {
  const { who } = actorParts(entry.actor);
  const make = PARAMS[entry.action];
  const raw = make && detail && typeof detail === 'object' ? make(detail) : {};
  const params = { who };
  for (const [k, v] of Object.entries(raw)) params[k] = v === null || v === undefined || v === '' ? t('journal.unknownValue') : v;
  const key = `journal.sentence.${entry.action}`;
  return has(key) ? t(key, params) : t('journal.sentenceUnknown', { who });
}

// Detail keys never shown: internal ids and raw server bodies.
const HIDDEN = new Set(['step', 'item', 'session', 'change', 'server_id', 'group', 'person', 'payload', 'target', 'origin', 'operation', 'seed']);

/** A detail value in words; null when there is nothing a person can read in it. */
function valueText(key, value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'boolean') return t(value ? 'journal.yes' : 'journal.no');
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') {
    if (key === 'kind' && has(`kinds.${value}`)) return t(`kinds.${value}`);
    if (key === 'format' && has(`formats.${value}`)) return t(`formats.${value}`);
    if (key === 'status' && has(`rentree.status.${value}`)) return t(`rentree.status.${value}`);
    if (key === 'file') return fileName(value);
    const word = valueWord(key, value);
    if (word) return word;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDate(value);
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return formatDateTime(value);
    return value;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) {
      // A list of ids says how many; a list of words says them.
      if (['people', 'entrants', 'sortants', 'without_account', 'changes'].includes(key)) return formatNumber(value.length);
      return value.map((v) => valueText(key, v)).filter(Boolean).join(', ') || null;
    }
    if (key === 'files') {
      return value.map((f) => t('journal.fileLine', {
        file: fileName(f.file), format: valueText('format', f.format) || t('journal.unknownValue'),
        read: formatNumber(f.read), rejected: formatNumber(f.rejected),
      })).join(' ; ');
    }
    return formatNumber(value.length);
  }
  if (typeof value === 'object') {
    const parts = Object.entries(value)
      .filter(([k]) => !HIDDEN.has(k) && has(`detailKeys.${k}`))
      .map(([k, v]) => [t(`detailKeys.${k}`), valueText(k, v)])
      .filter(([, v]) => v);
    return parts.length ? parts.map(([k, v]) => `${k} : ${v}`).join(', ') : null;
  }
  return null;
}

/** The details, folded: labelled lines in words, who and from where. */
function detailsOf(entry, detail) {
  const { who, via } = actorParts(entry.actor);
  const lines = [[t('journal.by'), who]];
  if (via && has(`journal.via.${via}`)) lines.push([t('journal.from'), t(`journal.via.${via}`)]);
  if (detail && typeof detail === 'object' && !Array.isArray(detail)) {
    for (const [k, v] of Object.entries(detail)) {
      if (HIDDEN.has(k) || !has(`detailKeys.${k}`)) continue;
      const text = valueText(k, v);
      if (text) lines.push([t(`detailKeys.${k}`), text]);
    }
  }
  lines.push([t('journal.seq'), formatNumber(entry.seq)]);
  return h('details', { class: 'journal__details' },
    h('summary', {}, t('journal.details')),
    h('dl', { class: 'detail' }, lines.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))));
}

function entriesList(entries) {
  return h('section', { 'aria-labelledby': 'journal-list-title' },
    h('h2', { id: 'journal-list-title', class: 'journal__caption' }, tn('journal.caption', entries.length)),
    h('ol', { class: 'journal', dataset: { testid: 'journal-table' } },
      entries.map((e) => {
        let detail = null;
        try {
          detail = JSON.parse(e.detail);
        } catch {
          detail = null;
        }
        return h('li', { class: 'journal__entry', dataset: { testid: 'journal-entry', seq: String(e.seq), action: e.action } },
          h('p', { class: 'journal__line' },
            h('time', { datetime: e.at, class: 'journal__when' }, formatDateTime(e.at)), ' ',
            h('span', { class: 'journal__sentence', dataset: { testid: 'journal-sentence' } }, sentence(e, detail))),
          detailsOf(e, detail));
      })));
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
  const reason = has(`auditReasons.${bad.reason}`) ? t(`auditReasons.${bad.reason}`) : t('journal.unknownValue');
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
    const verdict = h('div', { class: 'verdict', 'aria-live': 'polite', tabindex: '-1', dataset: { testid: 'verify-result' } });
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
        verdict.focus();
      }
    });
    root.append(h('div', { class: 'toolbar' }, button), verdict);

    const list = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
    root.append(list);
    try {
      // Newest first, whatever order the store returns.
      const entries = (await ctx.api.auditLog(entry.uai, LIMIT)).slice().sort((a, b) => b.seq - a.seq);
      clear(list);
      list.append(entries.length ? entriesList(entries) : h('p', { dataset: { testid: 'journal-empty' } }, t('journal.empty')));
    } catch (err) {
      clear(list);
      list.append(errorBox(err, 'journal-error'));
    }
  },
};
