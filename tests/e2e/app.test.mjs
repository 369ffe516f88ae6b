// End to end: the built Préau binary, driven through tauri-driver and
// WebKitWebDriver (see harness.mjs). The truth is what preau-cli says about
// the same store; the test asserts on the DOM, never on pixels. Screenshots
// go to tests/e2e/screenshots/ (git-ignored).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SCREENSHOTS, uaiFromDigits, digits, workspace, startApp } from './harness.mjs';

const COLLEGE = uaiFromDigits('0999001');
const LYCEE = uaiFromDigits('0999000'); // sorts first, so the selector must really change
const AREAS = [
  ['accueil', 'Accueil'],
  ['imports', 'Imports'],
  ['rentree', 'Rentrée'],
  ['rapprochement', 'Rapprochement'],
  ['qui-voit-qui', 'Qui voit qui'],
  ['groupes', 'Groupes'],
  ['synchronisation', 'Synchronisation'],
  ['journal', 'Journal'],
];

let ws;
let app;
let browser;
let truth;

function cli(...args) {
  return ws.cli(...args);
}

before(async () => {
  ws = workspace('preau-e2e-');
  cli('demo', '--uai', COLLEGE, '--kind', 'college', '--seed', '7');
  cli('demo', '--uai', LYCEE, '--kind', 'lycee', '--seed', '7');
  truth = JSON.parse(cli('status', '--uai', COLLEGE, '--json'));
  assert.equal(truth.uai, COLLEGE);
  assert.ok(truth.pupils > 0, 'the demo collège has pupils');
  app = await startApp(ws.env, 'tauri-driver.log');
  browser = app.browser;
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

async function byTestId(id) {
  return browser.$(`[data-testid="${id}"]`);
}

async function selectEstablishment(uai) {
  const select = await byTestId('establishment-select');
  await select.waitForEnabled();
  await select.selectByAttribute('value', uai);
  await browser.waitUntil(async () => (await (await byTestId('establishment-name')).getText()).includes(uai), {
    timeoutMsg: `home view never showed ${uai}`,
  });
}

test('the selector lists both demo establishments and switches between them', async () => {
  const select = await byTestId('establishment-select');
  await select.waitForEnabled();
  const values = await browser.execute(() =>
    Array.from(document.querySelectorAll('#establishment-select option')).map((o) => o.value),
  );
  assert.deepEqual(values, [LYCEE, COLLEGE]);
  await selectEstablishment(LYCEE);
  await selectEstablishment(COLLEGE);
  const remembered = await browser.execute(() => localStorage.getItem('preau.establishment'));
  assert.equal(remembered, COLLEGE);
});

test('the home view shows the store counts, as preau-cli reports them', async () => {
  await selectEstablishment(COLLEGE);
  assert.ok((await (await byTestId('establishment-name')).getText()).includes(truth.name));
  for (const key of ['pupils', 'responsables', 'teachers', 'staff', 'groups']) {
    const el = await byTestId(`count-${key}`);
    assert.equal(await el.getAttribute('data-value'), String(truth[key]), `${key} (data-value)`);
    assert.equal(digits(await el.getText()), String(truth[key]), `${key} (displayed)`);
  }
  const levels = Object.entries(truth.pupils_by_level);
  assert.ok(levels.length > 0);
  for (const [level, n] of levels) {
    const el = await byTestId(`count-level-${level}`);
    assert.equal(digits(await el.getText()), String(n), `level ${level}`);
  }
  // Same rows, same order as the store's level order.
  const shown = await browser.execute(() =>
    Array.from(document.querySelectorAll('[data-testid^="count-level-"]')).map((el) =>
      el.dataset.testid.replace('count-level-', ''),
    ),
  );
  assert.deepEqual(shown, levels.map(([level]) => level));
  assert.equal(await (await byTestId('error')).isExisting(), false);
  // The imports' classes and groups are told apart from the groups made in
  // Préau, which count what the Groupes view lists and lead there.
  const imported = await browser.execute(() => document.querySelector('[data-testid="count-groups"]').closest('li').textContent);
  assert.match(imported, /Classes et groupes des imports/, imported);
  const managed = await byTestId('count-managed-groups');
  const made = await managed.getAttribute('data-value');
  assert.match(made, /^\d+$/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'accueil.png'));
  await (await byTestId('home-go-groups')).click();
  const list = await browser.$('#grp-list-title');
  await list.waitForExist({ timeout: 15000 });
  assert.equal(await list.getText(), `Groupes créés dans Préau (${made})`);
});

test('every area is reachable from the navigation and says what it is', async () => {
  for (const [id, heading] of AREAS) {
    await (await byTestId(`nav-${id}`)).click();
    const title = await browser.$(`[data-testid="view-${id}"] h1`);
    await title.waitForExist({ timeoutMsg: `no heading in ${id}` });
    assert.equal(await title.getText(), heading);
    assert.equal(await (await byTestId(`nav-${id}`)).getAttribute('aria-current'), 'page');
    assert.equal(await browser.getTitle(), `${heading} · Préau`);
    if (id === 'rapprochement') {
      // Nothing to reconcile yet in the demo store: the view says what to import first, not an error.
      await (await byTestId('match-empty')).waitForExist({ timeoutMsg: 'rapprochement explains what it needs' });
      assert.equal(await (await byTestId('match-error')).isExisting(), false);
    } else if (id === 'synchronisation') {
      // No server configured in the demo store yet: the settings are there, pull and push wait.
      await (await byTestId('sync-server')).waitForExist({ timeoutMsg: 'synchronisation shows the server settings' });
      assert.equal(await (await byTestId('sync-pull')).isEnabled(), false);
      assert.equal(await (await byTestId('sync-push')).isEnabled(), false);
    } else if (id === 'qui-voit-qui') {
      // The demo store has its population: the grid is there, every cell shown.
      await (await byTestId('vis-grid')).waitForExist({ timeoutMsg: 'qui voit qui shows its grid' });
      assert.equal((await browser.$$('[data-testid="vis-cell"]')).length, 6 * 23);
    } else if (id === 'rentree') {
      // The checklist, month by month, checked against the demo store.
      await (await byTestId('rentree-period-juillet')).waitForExist({ timeoutMsg: 'rentrée shows its checklist' });
      assert.ok((await browser.$$('[data-testid="rentree-step"]')).length >= 10);
    } else if (id === 'groupes') {
      // No group yet in the demo store: the templates are offered.
      await (await byTestId('grp-table')).waitForExist({ timeoutMsg: 'groupes shows its list' });
      assert.ok(await (await byTestId('grp-template')).isExisting());
    } else if (!['accueil', 'imports', 'journal'].includes(id)) {
      assert.ok(await (await byTestId('coming-soon')).isExisting(), `${id} explains what will come`);
      const buttons = await browser.$$(`[data-testid="view-${id}"] button`);
      assert.equal(buttons.length, 0, `${id} has no fake buttons`);
    }
  }
  // Navigation moves focus to the new view's heading (screen readers announce it).
  const focused = await browser.execute(() => document.activeElement && document.activeElement.id);
  assert.equal(focused, 'view-title');
});

test('the journal lists the demo generation and its chain verifies', async () => {
  await (await byTestId('nav-journal')).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="journal-entry"]')).length >= 1, {
    timeoutMsg: 'no journal entry',
  });
  const actions = await browser.execute(() =>
    Array.from(document.querySelectorAll('[data-testid="journal-entry"]')).map((tr) => ({
      action: tr.dataset.action,
      text: tr.textContent,
    })),
  );
  const demo = actions.find((a) => a.action === 'DEMO_GENERATED');
  assert.ok(demo, `DEMO_GENERATED in ${JSON.stringify(actions.map((a) => a.action))}`);
  assert.ok(demo.text.includes('Génération d'), 'action translated into French');
  assert.match(demo.text, /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/, 'date as jj/mm/aaaa hh:mm');

  await (await byTestId('verify-integrity')).click();
  const verdict = await byTestId('verify-verdict');
  await verdict.waitForExist({ timeoutMsg: 'no verdict' });
  assert.equal(await verdict.getAttribute('data-ok'), 'true');
  assert.match(await verdict.getText(), /intacte/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'journal.png'));
});

test('the keyboard reaches the skip link first', async () => {
  await (await byTestId('nav-accueil')).click();
  await browser.execute(() => {
    document.activeElement && document.activeElement.blur();
    window.scrollTo(0, 0);
  });
  await browser.keys('Tab');
  const focused = await browser.execute(() => document.activeElement && document.activeElement.id);
  assert.equal(focused, 'skip-link');
  await browser.keys('Enter');
  const afterSkip = await browser.execute(() => document.activeElement && document.activeElement.id);
  assert.equal(afterSkip, 'main');
});
