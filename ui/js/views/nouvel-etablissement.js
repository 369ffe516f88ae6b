// Nouvel établissement: the UAI of a real school, checked by the core (shape
// and check letter), creates its empty store; the school's own exports then
// fill it, so the Imports view opens next with the establishment selected.
import { h } from '../components/dom.js';
import { errorBox } from '../components/notice.js';
import { t, errorMessage, formatNumber } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';

// A mistyped UAI is the field's error; anything else (keychain, data folder) is the form's.
const UAI_CODES = ['UAI_SHAPE', 'UAI_CHECK_LETTER'];

export default {
  id: 'nouvel-etablissement',
  titleKey: 'newEstablishment.title',
  render(root, ctx) {
    root.append(viewTitle(t('newEstablishment.title')), h('p', { class: 'lead' }, t('newEstablishment.lead')));

    const input = h('input', {
      id: 'new-uai',
      type: 'text',
      name: 'uai',
      class: 'input input--uai',
      autocomplete: 'off',
      autocapitalize: 'characters',
      spellcheck: 'false',
      required: true,
      maxlength: '16',
      'aria-describedby': 'new-uai-hint',
      dataset: { testid: 'new-uai' },
    });
    const error = h('p', { id: 'new-uai-error', class: 'field__error', hidden: true, dataset: { testid: 'new-uai-error' } });
    const submit = h('button', { type: 'submit', class: 'btn', dataset: { testid: 'new-establishment-submit' } }, t('newEstablishment.submit'));
    const problem = h('div', { dataset: { testid: 'new-establishment-problem' } });
    const form = h(
      'form',
      { class: 'form', novalidate: true, 'aria-labelledby': 'view-title', dataset: { testid: 'new-establishment-form' } },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'new-uai' }, t('newEstablishment.uai')),
        h('p', { id: 'new-uai-hint', class: 'field__hint' }, t('newEstablishment.uaiHint')),
        error,
        input,
      ),
      h('div', { class: 'toolbar' }, submit),
      problem,
    );

    function showError(message) {
      error.textContent = message ? `${t('form.errorPrefix')} ${message}` : '';
      error.hidden = !message;
      if (message) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', 'new-uai-hint new-uai-error');
      } else {
        input.removeAttribute('aria-invalid');
        input.setAttribute('aria-describedby', 'new-uai-hint');
      }
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      problem.replaceChildren();
      const raw = input.value.trim();
      if (!raw) {
        showError(t('newEstablishment.uaiEmpty'));
        input.focus();
        return;
      }
      showError(null);
      submit.disabled = true;
      try {
        const result = await ctx.api.createEstablishment(raw);
        const key = result.created ? 'newEstablishment.created' : 'newEstablishment.existing';
        await ctx.openEstablishment(result.uai, 'imports', t(key, { uai: result.uai }));
      } catch (err) {
        if (err && UAI_CODES.includes(err.code)) {
          showError(errorMessage(err));
          input.dataset.code = err.code;
          input.focus();
        } else {
          problem.append(errorBox(err, 'new-establishment-error'));
        }
      } finally {
        submit.disabled = false;
      }
    });

    root.append(
      form,
      h(
        'section',
        { class: 'explain', 'aria-labelledby': 'new-establishment-next' },
        h('h2', { id: 'new-establishment-next' }, t('newEstablishment.nextTitle')),
        h('p', {}, t('newEstablishment.dataFrom')),
        h('p', {}, t('newEstablishment.next')),
      ),
      serverSection(ctx),
    );
    if (window.location.hash.includes('?serveur')) document.getElementById('server-uai').focus();
  },
};

/** « Récupérer depuis le serveur ENT »: a new PC starts from the server alone. */
function serverSection(ctx) {
  const field = (id, label, attrs) => {
    const input = h('input', { id, class: 'input', autocomplete: 'off', spellcheck: 'false', ...attrs });
    return [h('div', { class: 'field' }, h('label', { for: id }, label), input), input];
  };
  const [uaiField, uai] = field('server-uai', t('newEstablishment.uai'), { type: 'text', maxlength: '16', dataset: { testid: 'server-uai' } });
  const [urlField, url] = field('server-url', t('sync.url'), { type: 'url', size: '50', placeholder: 'https://ent.exemple.fr/scim/v2', dataset: { testid: 'server-url' } });
  const [tokenField, token] = field('server-token', t('sync.token'), { type: 'password', size: '40', dataset: { testid: 'server-token' } });
  const submit = h('button', { type: 'submit', class: 'btn', dataset: { testid: 'server-submit' } }, t('newEstablishment.fromServer'));
  const meter = h('progress', { max: '1', value: '0', hidden: '', 'aria-label': t('sync.pullProgress'), dataset: { testid: 'server-progress' } });
  const said = h('p', { class: 'muted', 'aria-live': 'polite' });
  const problem = h('div', { dataset: { testid: 'server-problem' } });
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'server-title', dataset: { testid: 'server-form' } },
    uaiField, urlField, tokenField, h('div', { class: 'toolbar' }, submit, meter), said, problem);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    problem.replaceChildren();
    submit.disabled = true;
    meter.hidden = false;
    said.textContent = t('newEstablishment.fromServerWorking');
    try {
      const pulled = await ctx.api.establishmentFromServer(uai.value.trim(), url.value.trim(), token.value, ({ resource, done, total }) => {
        meter.max = String(Math.max(total, 1));
        meter.value = String(done);
        said.textContent = t('sync.pullingCount', { what: t(`sync.pullWhat.${resource}`), done: formatNumber(done), total: formatNumber(total) });
      });
      const message = t('sync.pulled', { users: formatNumber(pulled.users), groups: formatNumber(pulled.groups), rules: formatNumber(pulled.visibility_rules) });
      await ctx.openEstablishment(uai.value.trim().toUpperCase(), 'accueil', message);
    } catch (err) {
      said.textContent = '';
      problem.append(errorBox(err, 'server-error'));
    } finally {
      submit.disabled = false;
      meter.hidden = true;
    }
  });
  return h('section', { 'aria-labelledby': 'server-title', dataset: { testid: 'server-section' } },
    h('h2', { id: 'server-title' }, t('newEstablishment.fromServerTitle')),
    h('p', {}, t('newEstablishment.fromServerLead')),
    form,
  );
}
