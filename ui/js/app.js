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
import synchronisation from './views/synchronisation.js';
import journal from './views/journal.js';
import nouvelEtablissement from './views/nouvel-etablissement.js';

// The last one is reached from the establishment selector, not from the navigation.
const VIEWS = [accueil, imports, rentree, rapprochement, quiVoitQui, groupes, synchronisation, journal, nouvelEtablissement];
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
  await loadEstablishments();
  if (!window.location.hash.startsWith('#/')) {
    window.history.replaceState(null, '', `#/${DEFAULT_ROUTE}`);
  }
  await render();
}

start();
