// End to end, Accueil: what needs the administrator today, each item a link
// to the view that does it, the imports' age; then the establishment backed
// up under a passphrase typed twice, and restored over itself after a
// preview, only once replacing it was chosen. axe-core and the
// readable-text check run on each state.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCREENSHOTS, uaiFromDigits, workspace, startApp } from './harness.mjs';
import { lookedAt } from './gate.mjs';

const UAI = uaiFromDigits('0999005');
const PASSPHRASE = 'préau sauvegarde 2026';
let ws;
let app;
let browser;
let byTestId;
let saveDir;

before(async () => {
  ws = workspace('preau-e2e-home-');
  ws.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '10');
  ws.cli('visibility', 'preset', '--uai', UAI, 'parents-sans-direction');
  saveDir = join(ws.dataDir, 'sauvegardes');
  mkdirSync(saveDir);
  ws.env.PREAU_TEST_SAVE = saveDir;
  // The backup the test writes is the one it restores.
  const day = new Date();
  const stamp = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
  ws.env.PREAU_TEST_PICK = join(saveDir, `${UAI}-${stamp}.preau-sauvegarde`);
  app = await startApp(ws.env, 'tauri-driver-home.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

const checked = (name) => lookedAt(browser, `home-${name}`);

test('Accueil says what to do today; the backup written and restored', async () => {
  const today = await byTestId('home-today');
  await today.waitForExist({ timeout: 20000 });
  const kinds = await browser.execute(() => Array.from(document.querySelectorAll('[data-testid="home-todo"]')).map((i) => i.dataset.kind));
  assert.ok(kinds.includes('to_send'), `the eye waits for the server: ${kinds}`);
  assert.ok(kinds.includes('never_imported'), `the demo imported no national file: ${kinds}`);
  const text = await today.getText();
  assert.match(text, /1 modification à envoyer au serveur ENT/);
  assert.match(text, /L'export SIECLE n'a pas encore été importé/);
  assert.match(text, /Derniers imports/);
  await checked('today');

  // Each item leads where it is done.
  await (await browser.$('[data-testid="home-todo"][data-kind="to_send"] a')).click();
  await (await byTestId('sync-pending')).waitForExist({ timeout: 20000, timeoutMsg: 'the item did not lead to Synchronisation' });
  await (await byTestId('nav-accueil')).click();
  await (await byTestId('home-backup')).waitForExist({ timeout: 20000 });
  assert.match(await (await byTestId('backup-last')).getText(), /jamais été sauvegardé/);

  // The passphrase, twice: a difference is said, nothing written.
  await (await byTestId('backup-passphrase')).setValue(PASSPHRASE);
  await (await byTestId('backup-passphrase-again')).setValue(`${PASSPHRASE}!`);
  await (await byTestId('backup-write')).click();
  await (await byTestId('backup-error')).waitForExist();
  assert.equal(readdirSync(saveDir).length, 0);
  await (await byTestId('backup-passphrase-again')).setValue(PASSPHRASE);
  await (await byTestId('backup-write')).click();
  await browser.waitUntil(async () => /Dernière sauvegarde : le /.test(await (await byTestId('backup-last')).getText()), {
    timeout: 20000,
    timeoutMsg: 'the backup was not written',
  });
  assert.deepEqual(readdirSync(saveDir).filter((n) => n.endsWith('.preau-sauvegarde')).length, 1);
  await (await byTestId('home-backup')).scrollIntoView();
  await checked('backup-written');

  // Restore: a wrong passphrase is refused; the right one shows what would be replaced.
  await (await byTestId('restore-pick')).click();
  await (await byTestId('restore-passphrase')).waitForExist();
  await (await byTestId('restore-passphrase')).setValue('pas la bonne');
  await (await byTestId('restore-look')).click();
  const refused = await byTestId('restore-error');
  await refused.waitForExist({ timeout: 20000 });
  assert.equal(await refused.getAttribute('data-code'), 'BACKUP_UNREADABLE');
  await (await byTestId('restore-passphrase')).setValue(PASSPHRASE);
  await (await byTestId('restore-look')).click();
  const preview = await byTestId('restore-preview');
  await preview.waitForExist({ timeout: 20000 });
  assert.match(await preview.getText(), /Élèves/);
  const apply = await byTestId('restore-apply');
  assert.equal(await apply.isEnabled(), false, 'the establishment exists: not replaced without consent');
  await preview.scrollIntoView();
  await checked('restore-preview');
  await (await byTestId('restore-replace')).click();
  await apply.click();
  await browser.waitUntil(async () => /restauré/.test(await (await browser.$('#status')).getText()), {
    timeout: 20000,
    timeoutMsg: 'the restore was not said',
  });
  const verdict = JSON.parse(ws.cli('audit', 'verify', '--uai', UAI, '--json'));
  assert.equal(verdict.ok, true, 'the restored journal still verifies');
  assert.ok(readdirSync(ws.dataDir).some((n) => n.includes('.avant-restauration-')), 'the replaced store kept beside');
});

test('another PC, with no establishment yet, restores the backup', async () => {
  await app.stop();
  app = null;
  const file = ws.env.PREAU_TEST_PICK;
  const other = workspace('preau-e2e-home-other-');
  other.env.PREAU_TEST_PICK = file;
  const second = await startApp(other.env, 'tauri-driver-home-other.log');
  try {
    const { browser: b, byTestId: by } = second;
    await (await by('empty-state')).waitForExist({ timeout: 20000 });
    await (await by('restore-pick')).click();
    await (await by('restore-passphrase')).waitForExist();
    await (await by('restore-passphrase')).setValue(PASSPHRASE);
    await (await by('restore-look')).click();
    await (await by('restore-preview')).waitForExist({ timeout: 20000 });
    const apply = await by('restore-apply');
    assert.equal(await apply.isEnabled(), true, 'nothing to replace here');
    await apply.click();
    await (await by('home-today')).waitForExist({ timeout: 30000, timeoutMsg: 'the restored establishment did not open' });
    const selected = await b.execute(() => document.getElementById('establishment-select').value);
    assert.equal(selected, UAI);
    const verdict = JSON.parse(other.cli('audit', 'verify', '--uai', UAI, '--json'));
    assert.equal(verdict.ok, true);
    await b.saveScreenshot(join(SCREENSHOTS, 'home-restored-elsewhere.png'));
  } finally {
    await second.stop();
    other.cleanup();
  }
});
