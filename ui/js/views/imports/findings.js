// The data-quality findings of the last import: one expandable entry per
// kind with its count, its items in a paged table and a CSV export.
import { h, clear } from '../../components/dom.js';
import { errorBox } from '../../components/notice.js';
import { t, has, formatNumber, formatDate } from '../../i18n.js';
import { pagedTable } from '../../components/paged-table.js';
import { exportButton, csvFileName } from '../../components/csv.js';
import { findingLabel } from './labels.js';

// Columns people look for first; any other key follows in the order met.
const KEY_ORDER = ['nom', 'prenom', 'id', 'ident', 'id_sts', 'date_naissance', 'classe', 'classes', 'partie', 'eleve', 'eleves', 'responsable', 'responsables', 'lien', 'courriel', 'portable', 'absent_de'];

function keyLabel(key) {
  return has(`findingKeys.${key}`) ? t(`findingKeys.${key}`) : key;
}

/** A person as one line: "DA COSTA Zoé (ELV695609, 6D)"; null when it is not a person. */
function personText(o) {
  const name = [o.nom, o.prenom].filter(Boolean).join(' ');
  if (!name) return null;
  const extra = [o.id, ...(Array.isArray(o.classes) ? o.classes : [])].filter(Boolean).join(', ');
  return extra ? `${name} (${extra})` : name;
}

/** Any item value as text: dates in French, lists joined, people by name. */
function text(value, key = '') {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => text(v, key)).join(value.some((v) => v && typeof v === 'object') ? ' ; ' : ', ');
  if (typeof value === 'object') {
    return personText(value) || Object.entries(value).map(([k, v]) => `${keyLabel(k)} : ${text(v, k)}`).join(', ');
  }
  if (typeof value === 'string' && key.startsWith('date')) return formatDate(value);
  return String(value);
}

/** Items are objects (one column per key) or plain values (one column). */
function itemColumns(items) {
  const objects = items.length > 0 && items.every((i) => i && typeof i === 'object' && !Array.isArray(i));
  if (!objects) return [{ key: null, label: t('findings.value') }];
  const seen = [];
  for (const item of items.slice(0, 500)) {
    for (const key of Object.keys(item)) if (!seen.includes(key)) seen.push(key);
  }
  const rank = (k) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);
  const keys = seen.map((k, i) => [k, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([k]) => k);
  return keys.map((key) => ({ key, label: keyLabel(key) }));
}

function findingDetails(api, uai, finding) {
  const label = findingLabel(finding.code);
  const body = h('div', { class: 'finding__body' });
  const details = h(
    'details',
    { class: 'finding', dataset: { testid: 'finding', code: finding.code, count: String(finding.count) } },
    h(
      'summary',
      {},
      h('span', { class: 'finding__label' }, label),
      ' ',
      h('span', { class: 'finding__count', dataset: { testid: 'finding-count' } }, formatNumber(finding.count)),
    ),
    body,
  );
  // Built on first opening: a finding may list thousands of people.
  details.addEventListener('toggle', () => {
    if (!details.open || body.firstChild) return;
    const items = finding.items || [];
    if (!items.length) {
      body.append(h('p', { class: 'muted' }, t('findings.noItems')));
      return;
    }
    const columns = itemColumns(items);
    const cellOf = (item, c) => (c.key === null ? text(item) : text(item[c.key], c.key));
    const table = pagedTable({
      caption: t('findings.caption', { label }),
      testid: `finding-table-${finding.code}`,
      columns: columns.map((c) => ({ label: c.label, cell: (item) => cellOf(item, c) })),
      rowAttrs: () => ({ dataset: { testid: 'finding-item' } }),
    });
    table.setRows(items);
    const exporter = exportButton(api, {
      label: t('findings.export'),
      testid: `finding-export-${finding.code}`,
      build: () => ({
        name: csvFileName(label, uai),
        headers: columns.map((c) => c.label),
        rows: items.map((item) => columns.map((c) => cellOf(item, c))),
      }),
    });
    body.append(h('div', { class: 'toolbar' }, exporter), table.element);
  });
  return details;
}

export function findingsSection(api, uai) {
  const body = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
  const element = h(
    'section',
    { class: 'imports-section', 'aria-labelledby': 'findings-title', dataset: { testid: 'import-findings' } },
    h('h2', { id: 'findings-title' }, t('findings.title')),
    h('p', { class: 'muted' }, t('findings.lead')),
    body,
  );
  return {
    element,
    async refresh() {
      try {
        const found = await api.findings(uai);
        clear(body);
        body.append(
          found.length
            ? h('div', { class: 'findings' }, found.map((f) => findingDetails(api, uai, f)))
            : h('p', { dataset: { testid: 'findings-empty' } }, t('findings.empty')),
        );
      } catch (err) {
        clear(body);
        body.append(errorBox(err, 'findings-error'));
      }
    },
  };
}
