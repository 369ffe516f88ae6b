// Start-up and routing: hash routes (#/accueil, #/journal…), one view module
// per area, the establishment selector in the header, the footer facts.
import { api } from './ipc.js';
import { initI18n, setLang, currentLang, t, tn, translateDocument } from './i18n.js';
import { h, clear } from './components/dom.js';
import { announce, announceError, clearAnnouncement, errorBox } from './components/notice.js';
import { fillEstablishmentSelect, optionLabel } from './components/establishment-select.js';
import accueil from './views/accueil.js';
import imports from './views/imports.js';
import rentree from './views/rentree.js';
import rapprochement from './views/rapprochement.js';
import quiVoitQui from './views/qui-voit-qui.js';
import groupes from './views/groupes.js';
import annuaire from './views/annuaire.js';
import synchronisation from './views/synchronisation.js';
import journal from './views/journal.js';
import nouvelEtablissement from './views/nouvel-etablissement.js';

// The last one is reached from the establishment selector, not from the navigation.
const VIEWS = [accueil, imports, rentree, rapprochement, annuaire, quiVoitQui, groupes, synchronisation, journal, nouvelEtablissement];
const BY_ID = new Map(VIEWS.map((v) => [v.id, v]));
const DEFAULT_ROUTE = 'accueil';

const state = {
  appInfo: null,
  establishments: [],
  listError: null,
  uai: null,
  renderSeq: 0,
  /** Said in the status region once the next route has rendered (after its own clearing). */
  pendingNotice: null,
};

function routeFromHash() {
  const match = /^#\/([\w-]+)/.exec(window.location.hash);
  return match && BY_ID.has(match[1]) ? match[1] : DEFAULT_ROUTE;
}

function markNav(id) {
  // The navigation's tabs, and the header's "Nouvel établissement…".
  document.querySelectorAll('a[data-route]').forEach((a) => {
    if (a.dataset.route === id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
}

function context(seq) {
  return {
    api,
    appInfo: state.appInfo,
    establishments: state.establishments,
    listError: state.listError,
    entry: () => state.establishments.find((e) => e.uai === state.uai) || null,
    isCurrent: () => seq === state.renderSeq,
    /** Renders the current view again (its own state kept), without moving focus. */
    rerender: () => render(),
    refresh: async () => {
      await loadEstablishments();
      announce(tn('establishment.refreshed', state.establishments.length));
      await render({ focus: true });
    },
    /** After an import: the selector's names read again (the import may have named the establishment), nothing re-rendered. */
    reloadEstablishments: () => loadEstablishments(),
    /** After creating an establishment: list and select it, open `route`, then say `message`. */
    openEstablishment: async (uai, route, message) => {
      state.uai = uai;
      await loadEstablishments();
      state.pendingNotice = message;
      if (routeFromHash() === route) {
        await render({ focus: true });
        sayPending();
      } else {
        window.location.hash = `#/${route}`;
      }
    },
  };
}

/** Renders the current route. The view's h1 exists before its first await, so focus can move at once. */
async function render({ focus = false } = {}) {
  const id = routeFromHash();
  const view = BY_ID.get(id);
  const seq = ++state.renderSeq;
  markNav(id);
  document.title = `${t(view.titleKey)} · Préau`;
  const root = document.getElementById('view');
  const container = h('div', { class: 'view__inner', dataset: { testid: `view-${id}` } });
  clear(root);
  root.append(container);
  let done;
  try {
    done = view.render(container, context(seq));
  } catch (err) {
    done = Promise.reject(err);
  }
  if (focus) {
    const title = container.querySelector('h1');
    if (title) title.focus();
  }
  try {
    await done;
  } catch (err) {
    if (seq === state.renderSeq) container.append(errorBox(err));
  }
}

function sayPending() {
  if (!state.pendingNotice) return;
  announce(state.pendingNotice);
  state.pendingNotice = null;
}

async function loadEstablishments() {
  const select = document.getElementById('establishment-select');
  try {
    state.establishments = await api.listEstablishments();
    state.listError = null;
  } catch (err) {
    state.establishments = [];
    // The views show it (role="alert"); announcing it here too would say it twice.
    state.listError = err;
  }
  state.uai = fillEstablishmentSelect(select, state.establishments, {
    selected: state.uai,
    error: state.listError,
    onChange: (uai) => {
      state.uai = uai;
      const entry = state.establishments.find((e) => e.uai === uai);
      announce(t('establishment.selected', { label: entry ? optionLabel(entry) : uai }));
      render();
    },
  });
}

function renderFooter() {
  const version = document.getElementById('app-version');
  const dir = document.getElementById('app-data-dir');
  const info = state.appInfo;
  version.textContent = info ? t('footer.version', { version: info.version }) : '';
  if (info && info.data_dir) dir.textContent = t('footer.dataDir', { dir: info.data_dir });
  else if (info && info.data_dir_error) dir.textContent = t('footer.dataDirUnknown');
  else dir.textContent = '';
}

function wireChrome() {
  // The skip link must not change the hash: the router owns it.
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
  });
  const langSelect = document.getElementById('lang-select');
  langSelect.value = currentLang();
  langSelect.addEventListener('change', async () => {
    await setLang(langSelect.value);
    translateDocument();
    renderFooter();
    await loadEstablishments();
    await render();
  });
  window.addEventListener('hashchange', () => {
    clearAnnouncement();
    render({ focus: true });
    sayPending();
  });
}

/** The lock screen: resolves once the passphrase opened (or will protect) the stores. */
function askPassphrase(hasStores) {
  return new Promise((resolve) => {
    const root = document.getElementById('view');
    const field = (id, label) => {
      const input = h('input', { id, type: 'password', class: 'input', autocomplete: hasStores ? 'current-password' : 'new-password', size: '30', dataset: { testid: id } });
      return [h('div', { class: 'field' }, h('label', { for: id }, label), input), input];
    };
    const [f1, p1] = field('unlock-passphrase', t(hasStores ? 'unlock.passphrase' : 'unlock.choose'));
    const [f2, p2] = field('unlock-passphrase-again', t('unlock.again'));
    const problem = h('div', { dataset: { testid: 'unlock-problem' } });
    const submit = h('button', { type: 'submit', class: 'btn', dataset: { testid: 'unlock-submit' } }, t(hasStores ? 'unlock.open' : 'unlock.protect'));
    const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'view-title', dataset: { testid: 'unlock-form' } },
      f1, hasStores ? '' : f2, h('div', { class: 'toolbar' }, submit), problem);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(problem);
      if (!hasStores && p1.value !== p2.value) {
        problem.append(h('p', { class: 'notice notice--error', role: 'alert' }, t('unlock.mismatch')));
        p2.focus();
        return;
      }
      submit.disabled = true;
      try {
        await api.unlock(p1.value);
        resolve();
      } catch (err) {
        problem.append(errorBox(err, 'unlock-error'));
        p1.focus();
      } finally {
        submit.disabled = false;
      }
    });
    clear(root);
    document.title = `${t('unlock.title')} · Préau`;
    root.append(h('div', { class: 'view__inner', dataset: { testid: 'view-unlock' } },
      h('h1', { id: 'view-title', tabindex: '-1' }, t('unlock.title')),
      h('p', { class: 'lead' }, t(hasStores ? 'unlock.leadOpen' : 'unlock.leadChoose')),
      h('p', { class: 'muted' }, t('unlock.why')),
      form));
    p1.focus();
  });
}

async function start() {
  try {
    await initI18n();
  } catch (err) {
    // Without the strings the UI is unusable: say so in both languages.
    document.getElementById('status').textContent =
      `Impossible de charger les textes de l'interface / Cannot load the interface texts (${err})`;
    return;
  }
  translateDocument();
  wireChrome();
  try {
    state.appInfo = await api.appInfo();
  } catch (err) {
    announceError(err);
  }
  if (state.appInfo && state.appInfo.data_dir_error) announceError(state.appInfo.data_dir_error);
  renderFooter();
  // A PC without a keychain: the stores' passphrase first, once per session.
  if (state.appInfo && state.appInfo.locked) await askPassphrase(state.appInfo.has_stores);
  await loadEstablishments();
  if (!window.location.hash.startsWith('#/')) {
    window.history.replaceState(null, '', `#/${DEFAULT_ROUTE}`);
  }
  await render();
  // The first view answers (the start-up measure waits for this).
  api.appReady().catch(() => {});
}

start();
