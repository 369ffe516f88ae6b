// End to end, an establishment whose ENT is Open ENT NG: a closed eye and a
// new group made in their wizards; Synchronisation writes the CSV files its console imports into the folder the user chose,
// says where the console takes them, and « Importé dans l'ENT » confirms the
// new group the files carry; the closed eye, which no file can carry, is an
// item of the worklist in that console's words, ticked done. axe-core and
// the readable-text check run on each state.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uaiFromDigits, workspace, startApp, closeEyeAndMakeGroup } from './harness.mjs';
import { lookedAt } from './gate.mjs';

const UAI = uaiFromDigits('0999004');
let ws;
let app;
let browser;
let byTestId;
let saveDir;

before(async () => {
  ws = workspace('preau-e2e-ent-ng-');
  ws.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '9');
  ws.cli('sync', 'configure', '--uai', UAI, '--connector', 'ent-ng');
  saveDir = join(ws.dataDir, 'pour-ent-ng');
  mkdirSync(saveDir);
  ws.env.PREAU_TEST_SAVE = saveDir;
  app = await startApp(ws.env, 'tauri-driver-ent-ng.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

const pending = () => JSON.parse(ws.cli('sync', 'status', '--uai', UAI, '--json')).pending;

const checked = (name) => lookedAt(browser, `sync-ent-ng-${name}`);

test('Open ENT NG: the files written, imported, confirmed; the eye done by hand', async () => {
  // The changes, made in the wizards: Parent → Direction closed, a group of the 3e pupils.
  await closeEyeAndMakeGroup(browser, byTestId);
  const waiting = pending();
  assert.ok(waiting > 2, `changes waiting: ${waiting}`);

  await (await byTestId('nav-synchronisation')).click();
  await (await byTestId('sync-ng')).waitForExist({ timeout: 20000 });
  assert.equal(await (await byTestId('sync-connector-ent-ng')).isSelected(), true, 'the connector configured');
  assert.equal(await (await byTestId('sync-server')).isExisting(), false, 'no server to set for Open ENT NG');
  assert.match(await (await browser.$('p.lead')).getText(), /fichiers CSV/);
  assert.match(await (await byTestId('sync-ng-carried')).getText(), /^\d+ modifications en attente voyagent dans ces fichiers\.$/);
  await (await byTestId('sync-ng-none')).waitForExist();
  // The eye is the one thing to do by hand, in the console's words.
  const items = await browser.$$('[data-testid="sync-worklist-item"]');
  assert.equal(items.length, 1, 'the eye only: the group travels in the files');
  const text = await (await byTestId('sync-worklist')).getText();
  assert.match(text, /Liste de travail de la console Open ENT NG/);
  assert.match(text, /Supprimer le droit de communication — profil « Parent », « Direction »/);
  assert.match(text, /Règles de communication du groupe/);
  await checked('before');

  // All the files, into the folder chosen.
  await (await byTestId('sync-ng-write')).click();
  await (await byTestId('sync-ng-written')).waitForExist({ timeout: 20000, timeoutMsg: 'no answer to the write' });
  const written = readdirSync(saveDir).filter((n) => n.endsWith('.csv')).sort();
  assert.deepEqual(written, ['Guest.csv', 'Personnel.csv', 'Relative.csv', 'Student.csv', 'Teacher.csv']);
  const pupils = readFileSync(join(saveDir, 'Student.csv'), 'utf8');
  assert.ok(pupils.startsWith('\ufeffId;Nom;Nom d\'usage;Prénom;Date de naissance;INE;Classe'), pupils.slice(0, 80));
  assert.match(pupils, /;Tous les élèves de 3e[;\r]/, 'the new group in the pupils\' rows');
  const card = await byTestId('sync-ng-waiting');
  await card.waitForExist();
  const cardText = await card.getText();
  assert.match(cardText, /Student\.csv — \d+ lignes/);
  assert.match(cardText, /Imports \/ Exports/);
  assert.equal(pending(), waiting, 'written is not imported');
  await card.scrollIntoView();
  await checked('written');

  // The administrator imported them: the group's changes are confirmed, the eye's wait.
  await (await byTestId('sync-ng-confirm')).click();
  await (await byTestId('sync-ng-confirmed')).waitForExist({ timeout: 20000, timeoutMsg: 'no answer to the confirmation' });
  assert.match(await (await byTestId('sync-ng-confirmed')).getText(), new RegExp(`Import noté : ${waiting - 1} modifications confirmées\\.`));
  assert.equal(pending(), 1);
  await (await byTestId('sync-ng-history')).waitForExist();
  assert.equal(await (await byTestId('sync-ng-waiting')).isExisting(), false);
  await (await byTestId('sync-ng-history')).scrollIntoView();
  await checked('confirmed');

  // The eye done in the console.
  await (await (await browser.$('li.worklist__item*=Supprimer le droit')).$('[data-testid="sync-worklist-done"]')).click();
  await browser.waitUntil(async () => (await (await byTestId('sync-worklist-progress')).getText()) === '1 sur 1 fait', { timeoutMsg: 'the eye not counted done' });
  assert.equal(pending(), 0);

  // Nothing changed since: the changes only are nothing.
  await (await byTestId('sync-ng-delta')).click();
  await (await byTestId('sync-ng-written')).waitForExist({ timeout: 20000 });
  assert.match(await (await byTestId('sync-ng-written')).getText(), /Rien de nouveau depuis le dernier import confirmé/);
  await checked('nothing-new');
});
