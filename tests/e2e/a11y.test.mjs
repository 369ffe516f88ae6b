// End to end, the gate over every view (every module of ui/js/views): axe-core
// with the WCAG 2.1 A and AA rules finds nothing, what a person reads holds no
// « [object Object] », « undefined », « NaN » or program code, and no view
// shows an error box — in three states: no establishment at all, an
// establishment just created (nothing imported), and the demo collège with its
// Pronote identifiers and ENT directory imported, published to the SCIM peer
// and pulled, a preset waiting to be sent (dry run and a preview of Qui voit
// qui open too, then an import through the window). Every problem of every view is reported at once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, delimiter } from 'node:path';
import { SCREENSHOTS, uaiFromDigits, workspace, startApp, startPeer } from './harness.mjs';
import { viewIds, programCodes, settle, axeViolations, readableTexts, textProblems } from './gate.mjs';

const DEMO = uaiFromDigits('0999001');
const CREATED = uaiFromDigits('0999002');
const VIEWS = viewIds();
const CODES = programCodes();

let ws;
let other;
let picked; // the demo's own exports, written in another folder, for an import through the window
let app;
let peer;
let browser;
let byTestId;

before(async () => {
  peer = await startPeer();
  ws = workspace('preau-e2e-a11y-');
  ws.env.PREAU_SCIM_TOKEN = peer.token;
  // The same demo's exports, written by a throw-away store elsewhere: the window imports some later.
  other = workspace('preau-e2e-a11y-files-');
  const out = join(other.dataDir, 'files');
  other.cli('demo', '--uai', DEMO, '--kind', 'college', '--seed', '7', '--out', out);
  const names = readdirSync(out);
  picked = [/^Structures\.xml$/i, /^sts_emp.*\.xml$/i, /^ResponsablesAvecAdresses\.xml$/i].map((re) => join(out, names.find((n) => re.test(n))));
  ws.env.PREAU_TEST_PICK = picked.join(delimiter);
  app = await startApp(ws.env, 'tauri-driver-a11y.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
  if (other) other.cleanup();
  if (peer) peer.stop();
});

async function open(id) {
  await browser.execute((v) => {
    window.location.hash = `#/${v}`;
  }, id);
  await (await byTestId(`view-${id}`)).waitForExist({ timeout: 15000, timeoutMsg: `view ${id} never showed` });
  await settle(browser);
}

/** Every problem the window shows now, each prefixed with where it was seen. */
async function problems(where) {
  const found = [];
  for (const v of await axeViolations(browser)) found.push(`${where}: axe ${v}`);
  for (const p of textProblems(await readableTexts(browser), CODES)) found.push(`${where}: text ${p}`);
  const errors = await browser.execute(() => Array.from(document.querySelectorAll('.notice--error')).map((e) => e.textContent.trim().slice(0, 200)));
  for (const e of errors) found.push(`${where}: error box « ${e} »`);
  return found;
}

async function everyView(state) {
  const found = [];
  for (const id of VIEWS) {
    await open(id);
    await browser.saveScreenshot(join(SCREENSHOTS, `gate-${state}-${id}.png`));
    found.push(...(await problems(`${state} › ${id}`)));
  }
  return found;
}

test('the gate knows the views and the codes from the code', () => {
  for (const id of ['accueil', 'imports', 'rentree', 'rapprochement', 'qui-voit-qui', 'groupes', 'synchronisation', 'journal', 'nouvel-etablissement']) {
    assert.ok(VIEWS.includes(id), `${id} in ${VIEWS.join(', ')}`);
  }
  for (const code of ['NO_POPULATION', 'SYNC_CONFIGURED', 'MATCH_NO_SOURCE', 'STORE_WRONG_KEY', 'HIDES_SUBTREE']) {
    assert.ok(CODES.includes(code), `${code} among the ${CODES.length} codes`);
  }
  // The check itself catches what it is for.
  assert.equal(textProblems(['Nombre : NaN', 'undefined', '[object Object]', 'code NO_POPULATION', 'Tout va bien'], CODES).length, 4);
  // Counts read with their number: hedged plurals and 1 before a plural are caught, the rest passes.
  const plurals = ['porté par 1 compte(s)', '(1 décisions déjà prises)', 'par 1 comptes', '0 rejetés', '1 mois', '2 comptes', '1 compte', '0 décision', '07/12/2026 01 heures', 'Import 1', '1 614 éléments'];
  assert.deepEqual(textProblems(plurals, CODES).map((p) => p.split(' in ')[0]), ['plural « e(s) »', 'plural « 1 décisions »', 'plural « 1 comptes »']);
});

test('no establishment yet: every view passes the gate', async () => {
  // axe really runs in the window: a button with no name is caught, then removed.
  await open('accueil');
  await browser.execute(() => {
    const b = document.createElement('button');
    b.id = 'gate-probe';
    document.getElementById('view').append(b);
  });
  const probe = await axeViolations(browser);
  await browser.execute(() => document.getElementById('gate-probe').remove());
  assert.ok(probe.some((v) => v.startsWith('button-name ')), probe.join('\n'));
  const found = await everyView('vide');
  assert.deepEqual(found, [], `\n${found.join('\n')}`);
});

test('an establishment just created, nothing imported: every view passes, empty states instead of errors', async () => {
  await open('nouvel-etablissement');
  await (await byTestId('new-uai')).setValue(CREATED);
  await (await byTestId('new-establishment-submit')).click();
  await (await byTestId('view-imports')).waitForExist({ timeout: 15000 });
  await browser.waitUntil(async () => (await (await byTestId('establishment-select')).getValue()) === CREATED, {
    timeoutMsg: 'the new establishment is not selected',
  });
  const found = await everyView('nouveau');
  // The views built on imported data say what to import and link to Imports.
  for (const [id, testid] of [['rapprochement', 'match-empty'], ['qui-voit-qui', 'vis-empty'], ['groupes', 'grp-empty']]) {
    await open(id);
    const empty = await byTestId(testid);
    assert.ok(await empty.isExisting(), `${id} shows its empty state`);
    const href = await browser.execute((id) => document.querySelector(`[data-testid="${id}-go-imports"]`).getAttribute('href'), testid);
    assert.equal(href, '#/imports');
  }
  assert.deepEqual(found, [], `\n${found.join('\n')}`);
});

test('the demo loaded: every view passes, the dry run and a preview open too', async () => {
  const out = join(ws.dataDir, 'demo-files');
  ws.cli('demo', '--uai', DEMO, '--kind', 'college', '--seed', '7', '--out', out);
  const names = readdirSync(out);
  const files = [/^identifiants_pronote.*\.csv$/i, /^export_annuaire_ENT.*\.csv$/i].map((re) => names.find((n) => re.test(n)));
  assert.ok(files.every(Boolean), 'the demo writes both files');
  ws.cli('import', '--uai', DEMO, ...files.map((n) => join(out, n)));
  // Synchronisation with a server, its directory pulled and changes waiting.
  ws.cli('sync', 'configure', '--uai', DEMO, '--url', peer.url);
  ws.cli('sync', 'publish', '--uai', DEMO, '--json');
  ws.cli('sync', 'pull', '--uai', DEMO, '--json');
  ws.cli('visibility', 'preset', '--uai', DEMO, 'parents-sans-direction');
  // The window learns of the new store as a person would: the list is read again on reload.
  await browser.refresh();
  await browser.waitUntil(() => browser.execute(() => !document.querySelector('#establishment-select [data-i18n]')));
  const select = await byTestId('establishment-select');
  await select.selectByAttribute('value', DEMO);
  await browser.waitUntil(async () => (await select.getValue()) === DEMO);
  const found = await everyView('démo');

  // The preset's change waiting to be sent reads as words: the node and the
  // profile, hidden, the preset by its title; never the rule's id.
  await open('synchronisation');
  const rule = await browser.execute(() => Array.from(document.querySelectorAll('[data-testid="sync-change"]')).map((li) => li.textContent).find((x) => x.startsWith('Règle de visibilité')));
  assert.ok(rule, 'the preset\'s rule is waiting');
  assert.match(rule, /^Règle de visibilité « Mon établissement › Direction », profil Parent — masqué \(préréglage « Les parents ne voient pas la direction »\)/u, rule);
  assert.ok(!rule.includes('|') && !rule.includes(DEMO) && !rule.includes('parents-sans-direction'), rule);

  await open('rapprochement');
  await (await byTestId('match-preview')).click();
  await (await byTestId('match-preview-result')).waitForExist({ timeout: 30000 });
  await settle(browser);
  await (await byTestId('match-preview-result')).scrollIntoView();
  await browser.saveScreenshot(join(SCREENSHOTS, 'gate-démo-rapprochement-essai.png'));
  found.push(...(await problems('démo › rapprochement › essai à blanc')));

  await open('qui-voit-qui');
  await (await byTestId('vis-grid')).scrollIntoView();
  await browser.saveScreenshot(join(SCREENSHOTS, 'gate-démo-qui-voit-qui-grille.png'));
  await (await browser.$('[data-testid="vis-cell"]')).click();
  await (await byTestId('vis-preview')).waitForExist({ timeout: 15000 });
  await settle(browser);
  await browser.saveScreenshot(join(SCREENSHOTS, 'gate-démo-qui-voit-qui-apercu.png'));
  found.push(...(await problems('démo › qui voit qui › aperçu')));
  await (await byTestId('vis-cancel')).click();

  // An import through the window: its result, findings and history.
  await open('imports');
  await (await byTestId('import-choose')).click();
  const chosen = () => browser.execute(() => document.querySelectorAll('[data-testid="import-file"]').length);
  await browser.waitUntil(async () => (await chosen()) === picked.length, { timeoutMsg: 'the chosen files never showed' });
  await (await byTestId('import-start')).click();
  await (await byTestId('import-verdict')).waitForExist({ timeout: 60000 });
  await settle(browser);
  await browser.saveScreenshot(join(SCREENSHOTS, 'gate-démo-imports-resultat.png'));
  found.push(...(await problems('démo › imports › résultat')));
  assert.deepEqual(found, [], `\n${found.join('\n')}`);
});

test('at 1024 px wide, with the demo: no view scrolls sideways', async () => {
  const { width, height } = await browser.getWindowSize();
  await browser.setWindowSize(1024, height);
  const found = [];
  try {
    for (const id of VIEWS) {
      await open(id);
      const [scroll, client, wide] = await browser.execute(() => {
        const cw = document.documentElement.clientWidth;
        // The outermost elements that reach past the window's right edge, to name the culprit.
        const past = Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > cw + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > cw + 1));
        return [document.documentElement.scrollWidth, cw, past.slice(0, 3).map((e) => `${e.tagName.toLowerCase()}${e.className ? `.${e.className}` : ''}`)];
      });
      await browser.saveScreenshot(join(SCREENSHOTS, `gate-1024-${id}.png`));
      if (scroll > client) found.push(`${id}: ${scroll} px wide in ${client} (${wide.join(', ')})`);
      found.push(...textProblems(await readableTexts(browser), CODES).map((p) => `1024 › ${id}: text ${p}`));
    }
  } finally {
    await browser.setWindowSize(width, height);
  }
  assert.deepEqual(found, [], `\n${found.join('\n')}`);
});
