// The column-mapping form for a CSV table Préau did not recognise: which
// table the file is, which of its columns holds each field (Préau's guesses
// preselected), and a name to save the mapping under. Checked here before
// anything is sent: every required field mapped, no column used twice.
import { h, clear } from '../../components/dom.js';
import { errorBox } from '../../components/notice.js';
import { t, tn } from '../../i18n.js';
import { formatLabel } from './labels.js';

/** The table Préau found the most required columns of (the first on a tie). */
function bestTable(tables) {
  return tables.reduce((best, table) => (table.required_found > best.required_found ? table : best), tables[0]);
}

function columnText(header, index) {
  const cell = String(header[index] || '').trim();
  return cell ? t('mapping.column', { header: cell, n: index + 1 }) : t('mapping.untitled', { n: index + 1 });
}

/**
 * proposal: what `csv_mapping_proposal` answered. presets: the saved ones
 * (to say that a name will replace one). onSubmit(preset) saves and imports;
 * it throws an IPC error to show. onCancel() closes the form.
 */
export function mappingForm({ proposal, presets = [], onSubmit, onCancel }) {
  const header = proposal.header || [];
  const tables = proposal.tables || [];
  let table = bestTable(tables);

  const heading = h('h2', { id: 'mapping-title', tabindex: '-1' }, t('mapping.title', { file: proposal.file }));
  const summary = h('div', { class: 'notice notice--error error-summary', tabindex: '-1', hidden: true, 'aria-labelledby': 'mapping-summary-title', dataset: { testid: 'mapping-errors' } });
  const problem = h('div', { dataset: { testid: 'mapping-problem' } });
  const fieldsBox = h('div', { class: 'mapping__fields' });
  const selects = new Map(); // field → { select, error, def }

  const radios = tables.map((tb) => {
    const id = `mapping-table-${tb.format}`;
    const radio = h('input', { type: 'radio', id, name: 'mapping-table', value: tb.format, dataset: { testid: 'mapping-table' } });
    radio.checked = tb === table;
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      table = tb;
      attempted = false;
      drawFields();
      clearErrors();
    });
    return h(
      'div',
      { class: 'choice' },
      radio,
      h('label', { for: id }, formatLabel(tb.format), ' ', h('span', { class: 'choice__meta' }, tn('mapping.found', tb.required_found, { total: tb.fields.filter((f) => f.required).length }))),
    );
  });

  function drawFields() {
    clear(fieldsBox);
    selects.clear();
    for (const def of table.fields) {
      const id = `map-${def.field}`;
      const select = h(
        'select',
        { id, name: def.field, required: def.required ? true : null, dataset: { testid: 'mapping-select', field: def.field } },
        h('option', { value: '' }, t('mapping.unused')),
        header.map((cell, index) => h('option', { value: String(index), disabled: String(cell || '').trim() ? null : true }, columnText(header, index))),
      );
      select.value = def.guess === null || def.guess === undefined ? '' : String(def.guess);
      const error = h('p', { id: `${id}-error`, class: 'field__error', hidden: true, dataset: { testid: 'mapping-field-error', field: def.field } });
      const label = h(
        'label',
        { for: id },
        def.label,
        def.required ? [' ', h('span', { class: 'tag tag--required' }, t('mapping.required'))] : null,
      );
      const hasGuess = def.guess !== null && def.guess !== undefined;
      const guessed = hasGuess ? h('p', { id: `${id}-hint`, class: 'field__hint' }, t('mapping.guessed')) : null;
      const hints = () => (guessed && !guessed.hidden ? [guessed.id] : []);
      if (guessed) select.setAttribute('aria-describedby', guessed.id);
      select.addEventListener('change', () => {
        // The hint speaks of Préau's choice only while it stands.
        if (guessed) guessed.hidden = select.value !== String(def.guess);
        recheck();
      });
      fieldsBox.append(h('div', { class: 'field mapping__field', dataset: { testid: 'mapping-field', field: def.field } }, label, guessed, error, select));
      selects.set(def.field, { select, error, def, hints });
    }
  }

  const nameInput = h('input', {
    id: 'mapping-name',
    type: 'text',
    class: 'input',
    required: true,
    autocomplete: 'off',
    maxlength: '120',
    'aria-describedby': 'mapping-name-hint',
    dataset: { testid: 'mapping-name' },
  });
  const nameHint = h('p', { id: 'mapping-name-hint', class: 'field__hint' }, t('mapping.nameHint'));
  const nameReplace = h('p', { id: 'mapping-name-replace', class: 'field__hint', hidden: true, dataset: { testid: 'mapping-name-replace' } }, t('mapping.nameReplaces'));
  const nameError = h('p', { id: 'mapping-name-error', class: 'field__error', hidden: true, dataset: { testid: 'mapping-name-error' } });
  const savedNames = new Set(presets.map((p) => p.name));
  nameInput.addEventListener('input', () => {
    nameReplace.hidden = !savedNames.has(nameInput.value.trim());
    recheck();
  });

  // After a first try, the errors follow the corrections as they are made.
  let attempted = false;
  function recheck() {
    if (!attempted) return;
    showSummary(validate(), false);
  }

  const submit = h('button', { type: 'submit', class: 'btn', dataset: { testid: 'mapping-submit' } }, t('mapping.submit'));
  const cancel = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'mapping-cancel' } }, t('mapping.cancel'));
  cancel.addEventListener('click', () => onCancel());

  /** Shows (or clears) a field's error, tied to its control for screen readers. */
  function setError(control, errorEl, hintIds, message) {
    errorEl.textContent = message ? `${t('form.errorPrefix')} ${message}` : '';
    errorEl.hidden = !message;
    const ids = [...hintIds, message ? errorEl.id : null].filter(Boolean);
    if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
    else control.removeAttribute('aria-describedby');
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }

  function nameHints() {
    return ['mapping-name-hint', nameReplace.hidden ? null : 'mapping-name-replace'].filter(Boolean);
  }

  function clearErrors() {
    for (const { select, error, hints } of selects.values()) setError(select, error, hints(), null);
    setError(nameInput, nameError, nameHints(), null);
    summary.hidden = true;
    clear(summary);
  }

  /**
   * [{ control, message, label }] for what is wrong, in the order of the form.
   * A column chosen for two fields marks both: either may be the mistake.
   */
  function validate() {
    const chosen = [...selects.values()].filter(({ select }) => select.value !== '');
    const titleOf = (index) => String(header[index] || '').trim();
    const problems = [];
    for (const { select, error, def, hints } of selects.values()) {
      let message = null;
      if (select.value === '') {
        if (def.required) message = t('mapping.errorRequired');
      } else {
        const index = Number(select.value);
        const others = chosen.filter((c) => c.def !== def);
        const sameColumn = others.filter((c) => Number(c.select.value) === index).map((c) => t('mapping.quoted', { text: c.def.label }));
        const sameTitle = others.some((c) => Number(c.select.value) !== index && titleOf(Number(c.select.value)) === titleOf(index));
        if (sameColumn.length) message = t('mapping.errorTwice', { header: titleOf(index), other: sameColumn.join(', ') });
        else if (sameTitle) message = t('mapping.errorSameTitle', { header: titleOf(index) });
      }
      setError(select, error, hints(), message);
      if (message) problems.push({ control: select, message, label: def.label });
    }
    const name = nameInput.value.trim();
    const nameMessage = name ? null : t('mapping.errorName');
    setError(nameInput, nameError, nameHints(), nameMessage);
    if (nameMessage) problems.push({ control: nameInput, message: nameMessage, label: t('mapping.name') });
    return problems;
  }

  function showSummary(problems, focus = true) {
    clear(summary);
    summary.hidden = !problems.length;
    if (!problems.length) return;
    summary.append(
      h('p', { id: 'mapping-summary-title', class: 'notice__title' }, tn('mapping.errorCount', problems.length)),
      h(
        'ul',
        { class: 'error-summary__list' },
        problems.map(({ control, message, label }) => {
          // Not a real href: the router owns the hash.
          const link = h('a', { href: `#${control.id}` }, t('mapping.summaryItem', { label, message }));
          link.addEventListener('click', (event) => {
            event.preventDefault();
            control.focus();
          });
          return h('li', {}, link);
        }),
      ),
    );
    if (focus) summary.focus();
  }

  const form = h(
    'form',
    { class: 'form mapping__form', novalidate: true, 'aria-labelledby': 'mapping-title', dataset: { testid: 'mapping-form' } },
    h('fieldset', { class: 'choices' }, h('legend', {}, t('mapping.tableLegend')), radios),
    h(
      'fieldset',
      { class: 'mapping__columns' },
      h('legend', {}, t('mapping.columnsLegend')),
      h('p', { class: 'field__hint' }, tn('mapping.headerCount', header.length)),
      fieldsBox,
    ),
    h('div', { class: 'field' }, h('label', { for: 'mapping-name' }, t('mapping.name'), ' ', h('span', { class: 'tag tag--required' }, t('mapping.required'))), nameHint, nameReplace, nameError, nameInput),
    h('div', { class: 'toolbar' }, submit, cancel),
    problem,
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(problem);
    attempted = true;
    const problems = validate();
    showSummary(problems);
    if (problems.length) return;
    const columns = {};
    for (const { select, def } of selects.values()) {
      if (select.value !== '') columns[def.field] = String(header[Number(select.value)]).trim();
    }
    const preset = { name: nameInput.value.trim(), table: table.format, columns };
    submit.disabled = true;
    cancel.disabled = true;
    submit.textContent = t('mapping.saving');
    try {
      await onSubmit(preset);
    } catch (err) {
      problem.append(errorBox(err, 'mapping-error'));
      submit.disabled = false;
      cancel.disabled = false;
      submit.textContent = t('mapping.submit');
    }
  });

  drawFields();
  const element = h(
    'section',
    { class: 'imports-section mapping', 'aria-labelledby': 'mapping-title', dataset: { testid: 'import-mapping', file: proposal.file } },
    heading,
    h('p', {}, t('mapping.lead')),
    h('p', { class: 'muted' }, t('mapping.encoding', { encoding: proposal.encoding })),
    summary,
    form,
  );
  return {
    element,
    focus() {
      heading.focus();
      element.scrollIntoView({ block: 'start' });
    },
  };
}
