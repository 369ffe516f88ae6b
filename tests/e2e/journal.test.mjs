// End to end, the Journal after a few real actions — files imported and the
// ENT server's address set from the command line, the reconciliation opened
// (once in vain, before its files are there) and applied in the window, a
// rentrée step noted —: each entry reads as a sentence naming who acted one
// way, its details fold out in words, nothing scrolls sideways, and a wizard
// that could not open journaled nothing. Run under the C locale: dates stay
// jj/mm/aaaa.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI_BIN, SCREENSHOTS, uaiFromDigits, workspace, startApp } from './harness.mjs';

const UAI = uaiFromDigits('0999002');
let ws;
let app;
let browser;
let byTestId;
let files;

const file = (name) => join(files, name);

before(async () => {
  ws = workspace('preau-e2e-journal-');
  // The system's locale must not decide how dates read.
  Object.assign(ws.env, { LANG: 'C', LC_ALL: 'C' });
  files = join(ws.dataDir, 'demo-files');
  execFileSync(CLI_BIN, ['--data-dir', join(ws.dataDir, 'demo'), 'demo', '--uai', UAI, '--kind', 'college', '--seed', '21', '--out', files], { env: ws.env });
  ws.cli('import', '--uai', UAI, file('Structures.xml'), file('Nomenclature.xml'), file('ElevesSansAdresses.xml'), file('ResponsablesAvecAdresses.xml'));
  ws.cli('sync', 'configure', '--uai', UAI, '--url', 'http://127.0.0.1:9/scim/v2');
  app = await startApp(ws.env, 'tauri-driver-journal.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

async function openJournal() {
  await (await byTestId('nav-accueil')).click();
  await (await byTestId('nav-journal')).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="journal-entry"]')).length >= 1, { timeoutMsg: 'no journal entry' });
}

const entries = () => browser.execute(() => Array.from(document.querySelectorAll('[data-testid="journal-entry"]')).map((li) => ({
  action: li.dataset.action,
  sentence: li.querySelector('[data-testid="journal-sentence"]').textContent,
  when: li.querySelector('time').textContent,
  details: Array.from(li.querySelectorAll('dl div')).map((d) => [d.querySelector('dt').textContent, d.querySelector('dd').textContent]),
})));

test('a wizard that cannot open journals nothing; one that opens, once', async () => {
  await openJournal();
  const before = (await entries()).length;
  // No Pronote file yet: the wizard says what to import (an empty state, not
  // an error), and the journal stays as it was.
  await (await byTestId('nav-rapprochement')).click();
  await (await byTestId('match-empty')).waitForExist({ timeout: 30000, timeoutMsg: 'the wizard did not say what it waits for' });
  assert.equal(await (await byTestId('match-empty')).getAttribute('data-code'), 'MATCH_NO_SOURCE');
  await openJournal();
  const after = await entries();
  assert.equal(after.length, before, `nothing journaled: ${after.map((e) => e.action)}`);
  assert.ok(!after.some((e) => e.action === 'MATCH_SESSION_STARTED'));

  // With the files: the session opens, is journaled, and its links are applied.
  ws.cli('import', '--uai', UAI, file(`identifiants_pronote_${UAI}.csv`), file(`export_annuaire_ENT_${UAI}.csv`));
  await (await byTestId('nav-rapprochement')).click();
  await (await byTestId('match-session')).waitForExist({ timeout: 60000 });
  await openJournal();
  const opened = (await entries()).filter((e) => e.action === 'MATCH_SESSION_STARTED');
  assert.equal(opened.length, 1, 'the session that opened, journaled once');
  await (await byTestId('nav-rapprochement')).click();
  await (await byTestId('match-session')).waitForExist({ timeout: 60000 });
  await (await byTestId('match-apply')).click();
  await (await byTestId('match-applied')).waitForExist({ timeout: 30000 });
  await (await byTestId('match-new-session')).waitForExist();
  await openJournal();
  const started = (await entries()).filter((e) => e.action === 'MATCH_SESSION_STARTED');
  assert.equal(started.length, 1, 'applying closes the session without opening another');

  // A rentrée step noted in the window.
  await (await byTestId('nav-rentree')).click();
  await (await byTestId('rentree-dashboard')).waitForExist({ timeout: 20000 });
  const step = await browser.$('[data-testid="rentree-step"][data-step="ARCHIVAGE"]');
  await (await step.$('[data-testid="rentree-step-select"]')).selectByAttribute('value', 'fait');
  await (await step.$('[data-testid="rentree-step-note"]')).setValue('constaté le 16/07');
  await (await step.$('button')).click();
  await browser.waitUntil(async () => (await browser.$('[data-testid="rentree-step"][data-step="ARCHIVAGE"]').getAttribute('data-status')) === 'fait');
});

test('each entry reads as a sentence, its details in words, nothing sideways', async () => {
  await openJournal();
  const list = await entries();
  const actions = list.map((e) => e.action);
  for (const a of ['STORE_CREATED', 'IMPORT', 'SYNC_CONFIGURED', 'MATCH_SESSION_STARTED', 'MATCH_APPLIED', 'RENTREE_STEP']) {
    assert.ok(actions.includes(a), `${a} in ${actions}`);
  }
  const user = new Set();
  for (const e of list) {
    // A sentence: a capital, a full stop, no code, no JSON, no raw value.
    assert.match(e.sentence, /^[A-ZÀ-Ý«].*\.$/u, e.sentence);
    for (const raw of [e.action, '{', '}', '[object Object]', 'undefined', 'NaN', 'null', 'etablissement', '@']) {
      assert.ok(!e.sentence.includes(raw), `${e.action}: « ${raw} » in « ${e.sentence} »`);
    }
    assert.match(e.when, /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/, `jj/mm/aaaa hh:mm under the C locale: ${e.when}`);
    for (const [k, v] of e.details) {
      assert.ok(!/[{}]|\[object|undefined|NaN|^etablissement$|^url$/.test(`${k} ${v}`), `${e.action}: ${k} : ${v}`);
    }
    const by = e.details.find(([k]) => k === 'Par');
    assert.ok(by, `${e.action}: who acted, in the details`);
    user.add(by[1]);
    assert.ok(e.sentence.endsWith(`par ${by[1]}.`), `${e.action}: the sentence names ${by[1]}: ${e.sentence}`);
  }
  assert.equal(user.size, 1, `the same person named one way: ${[...user]}`);
  const configured = list.find((e) => e.action === 'SYNC_CONFIGURED');
  assert.match(configured.sentence, /^Adresse du serveur ENT réglée sur http:\/\/127\.0\.0\.1:9\/scim\/v2, par /);
  assert.deepEqual(configured.details.find(([k]) => k === 'Depuis'), ['Depuis', 'la ligne de commande']);
  const applied = list.find((e) => e.action === 'MATCH_APPLIED');
  assert.match(applied.sentence, /^Application de \d[\d\s\u202f]* rapprochements de comptes, par /u);
  assert.deepEqual(applied.details.find(([k]) => k === 'Depuis'), ['Depuis', "l'application"]);
  const step = list.find((e) => e.action === 'RENTREE_STEP');
  assert.match(step.sentence, /^Étape « Archivage de mi-juillet .* » notée « fait », par /u, 'the step named by its title');
  assert.ok(step.details.some(([k, v]) => k === 'Note' && v === 'constaté le 16/07'), JSON.stringify(step.details));
  const imported = list.find((e) => e.action === 'IMPORT');
  assert.match(imported.sentence, /^Import de \d+ fichiers, par /);

  // The details fold out.
  const first = await browser.$('[data-testid="journal-entry"][data-action="MATCH_APPLIED"] details');
  assert.equal(await first.getAttribute('open'), null, 'folded at first');
  await (await first.$('summary')).click();
  assert.notEqual(await first.getAttribute('open'), null);
  assert.ok(await (await first.$('dl')).isDisplayed());

  // Nothing wider than the window.
  const [scroll, client] = await browser.execute(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `no sideways scrolling: ${scroll} > ${client}`);
  await browser.saveScreenshot(join(SCREENSHOTS, 'journal-sentences.png'));
});
