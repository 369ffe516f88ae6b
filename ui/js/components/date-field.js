// A date typed and shown as jj/mm/aaaa whatever the system's locale: a text
// field, not <input type="date">, whose order follows the OS (a C locale
// shows 07/12/2026 for 12 July). The core speaks ISO aaaa-mm-jj; the field
// converts both ways and says in words what it cannot read.
import { h } from './dom.js';
import { t, formatDate, parseDate } from '../i18n.js';

/**
 * dateField({ id, label, value: 'aaaa-mm-jj' | null, testid, required })
 * → { element, input, iso() }, where iso() is the ISO date, null when the
 * field is empty, or throws a French message naming the field when it
 * cannot be read (the caller shows it and nothing is saved).
 */
export function dateField({ id, label, value, testid, required = false }) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const input = h('input', {
    type: 'text',
    id,
    inputmode: 'numeric',
    autocomplete: 'off',
    size: '10',
    maxlength: '10',
    placeholder: t('date.placeholder'),
    'aria-describedby': hintId,
    value: value ? formatDate(value) : '',
    dataset: { testid: testid || id },
  });
  // Label, hint, error, control: the order of every form field here.
  const error = h('p', { id: errorId, class: 'field__error', role: 'alert', hidden: true });
  const element = h('div', { class: 'field field--date' },
    h('label', { for: id }, label),
    h('p', { id: hintId, class: 'field__hint' }, t('date.hint')),
    error, input);

  const show = (message) => {
    error.textContent = message || '';
    error.hidden = !message;
    if (message) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `${hintId} ${errorId}`);
    } else {
      input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', hintId);
    }
  };

  const iso = () => {
    const text = input.value.trim();
    if (!text) {
      if (required) {
        const message = t('date.required', { field: label.replace(/\s*:\s*$/, '') });
        show(message);
        throw new Error(message);
      }
      show('');
      return null;
    }
    const parsed = parseDate(text);
    if (!parsed) {
      const message = t('date.invalid', { field: label.replace(/\s*:\s*$/, ''), value: text });
      show(message);
      throw new Error(message);
    }
    show('');
    input.value = formatDate(parsed);
    return parsed;
  };

  return { element, input, iso };
}
