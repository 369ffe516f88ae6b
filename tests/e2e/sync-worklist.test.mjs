// End to end, an establishment whose ENT is Skolengo: a closed eye and a new
// group made in their wizards; Synchronisation shows the console's worklist
// instead of a server — the eye and the group as steps in the console's
// menus, screen by screen —, an item marked « impossible » needs its reason,
// an item ticked done leaves the outbox and counts as done. axe-core and the readable-text check run on each state.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uaiFromDigits, workspace, startApp, closeEyeAndMakeGroup } from './harness.mjs';
import { lookedAt } from './gate.mjs';

const UAI = uaiFromDigits('0999003');
let ws;
let app;
let browser;
let byTestId;
let saveDir;

before(async () => {
  ws = workspace('preau-e2e-worklist-');
  ws.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '8');
  saveDir = join(ws.dataDir, 'saved');
  mkdirSync(saveDir);
  ws.env.PREAU_TEST_SAVE = saveDir;
  app = await startApp(ws.env, 'tauri-driver-worklist.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

const pending = () => JSON.parse(ws.cli('sync', 'status', '--uai', UAI, '--json')).pending;

const checked = (name) => lookedAt(browser, `sync-worklist-${name}`);

test('the Skolengo console worklist: steps by screen, impossible with its reason, ticked done', async () => {
  // The changes, made in the wizards: Parent → Direction closed, a group of the 3e pupils.
  await closeEyeAndMakeGroup(browser, byTestId);
  const before = pending();
  assert.ok(before > 1, `changes waiting: ${before}`);
  await (await byTestId('nav-synchronisation')).click();
  await (await byTestId('sync-connector-skolengo')).waitForExist({ timeout: 20000 });
  assert.equal(await (await byTestId('sync-connector-scim')).isSelected(), true, 'SCIM until another is chosen');
  await (await byTestId('sync-connector-skolengo')).click();
  await (await byTestId('sync-worklist-progress')).waitForExist({ timeout: 20000 });
  assert.equal(await (await byTestId('sync-server')).isExisting(), false, 'no server to set for Skolengo');
  assert.match(await (await browser.$('p.lead')).getText(), /console d'administration/, 'the lead speaks of the console, not of a server');
  const items = await browser.$$('[data-testid="sync-worklist-item"]');
  assert.equal(items.length, 2, 'the eye and the new group');
  assert.match(await (await byTestId('sync-worklist-progress')).getText(), /^0 sur 2 faits$/);
  const text = await (await byTestId('sync-worklist')).getText();
  assert.match(text, /Messagerie > Qui voit qui/);
  assert.match(text, /Fermer l'œil — profil « Parent », « Direction »/);
  assert.match(text, /Créer le groupe — « Tous les élèves de 3e »/);
  assert.match(text, /Ajoutez \d+ membres, classe par classe :/);
  assert.match(text, /— 3A \(\d+\) : « [A-Z]/);
  await checked('full');

  // The checklist for a spreadsheet, saved where the user chose.
  await (await byTestId('sync-worklist-csv')).click();
  await browser.waitUntil(() => readdirSync(saveDir).some((n) => n.endsWith('.csv')), { timeout: 10000, timeoutMsg: 'no checklist saved' });
  const sheet = readFileSync(join(saveDir, readdirSync(saveDir).find((n) => n.endsWith('.csv'))), 'utf8');
  assert.ok(sheet.startsWith('\ufeffFait;Écran;À faire;Qui ou quoi;Étapes;État;Raison;Élément\r\n'), sheet.slice(0, 120));
  assert.match(sheet, /☐;Messagerie > Qui voit qui;Fermer l'œil;/);

  // « Impossible » asks for its reason first.
  const eye = await browser.$('li.worklist__item*=Fermer l');
  await (await eye.$('summary')).click();
  await (await eye.$('[data-testid="sync-worklist-impossible"]')).click();
  assert.equal(await (await eye.$('[data-testid="sync-worklist-reason"]')).getAttribute('aria-invalid'), 'true');
  await (await eye.$('[data-testid="sync-worklist-reason"]')).setValue("l'œil est grisé");
  await (await eye.$('[data-testid="sync-worklist-impossible"]')).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="sync-worklist-item"][data-status="impossible"]')).length === 1, { timeoutMsg: 'not marked impossible' });
  assert.match(await (await byTestId('sync-worklist')).getText(), /Impossible : l'œil est grisé/);
  await checked('impossible');
  await (await byTestId('sync-worklist-retry')).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="sync-worklist-item"][data-status="impossible"]')).length === 0);

  // Ticked done: its changes leave the outbox.
  const group = await browser.$('li.worklist__item*=Créer le groupe');
  await (await group.$('[data-testid="sync-worklist-done"]')).click();
  await browser.waitUntil(async () => (await (await byTestId('sync-worklist-progress')).getText()) === '1 sur 2 faits', { timeoutMsg: 'not counted done' });
  assert.equal(pending(), 1, 'the group and its members confirmed, the eye still waits');
  await (await browser.$('li.worklist__item*=Créer le groupe')).scrollIntoView();
  await checked('one-done');

  // The eye done too, then the list cleared: the empty state says where changes come from.
  await (await (await browser.$('li.worklist__item*=Fermer l')).$('[data-testid="sync-worklist-done"]')).click();
  await browser.waitUntil(async () => (await (await byTestId('sync-worklist-progress')).getText()) === '2 sur 2 faits', { timeoutMsg: 'the eye not counted done' });
  await (await byTestId('sync-worklist-clear')).click();
  await (await byTestId('sync-worklist-empty')).waitForExist({ timeoutMsg: 'no empty state once cleared' });
  assert.equal(pending(), 0);
  await checked('empty');
});
