// End to end, the first run: an empty data folder offers to discover Préau
// with a fictional establishment (no terminal, no variable to set); made in
// the app with its progress, it is marked fictional, Accueil lists what to
// do, one item opens its view; one click removes it. axe-core and the
// readable-text check run on each state.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { workspace, startApp } from './harness.mjs';
import { lookedAt } from './gate.mjs';

let ws;
let app;
let browser;
let byTestId;

before(async () => {
  ws = workspace('preau-e2e-first-run-');
  app = await startApp(ws.env, 'tauri-driver-first-run.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

const checked = (name) => lookedAt(browser, `first-run-${name}`);

test('empty folder → discover with the fictional establishment → what to do → one item opened → removed', async () => {
  const empty = await byTestId('empty-state');
  await empty.waitForExist({ timeout: 20000 });
  const text = await empty.getText();
  assert.doesNotMatch(text, /preau-cli|PREAU_|terminal/i, 'no command, no variable');
  assert.ok(await (await byTestId('empty-new-establishment')).isExisting());
  assert.ok(await (await byTestId('empty-from-server')).isExisting());
  await checked('empty');

  await (await byTestId('demo-discover')).click();
  await browser.waitUntil(
    async () => (await (await byTestId('home-today')).isExisting()) || (await (await byTestId('demo-error')).isExisting()),
    { timeout: 120000, timeoutMsg: 'the fictional establishment never opened' },
  );
  const failed = await byTestId('demo-error');
  assert.equal(await failed.isExisting(), false, await failed.isExisting().then((e) => (e ? failed.getText() : '')));
  const banner = await byTestId('home-fictional');
  assert.match(await banner.getText(), /fictif/);
  const option = await browser.execute(() => {
    const s = document.getElementById('establishment-select');
    return s.options[s.selectedIndex].textContent;
  });
  assert.match(option, /\(fictif\)$/, 'marked in the selector, on every view');
  const kinds = await browser.execute(() => Array.from(document.querySelectorAll('[data-testid="home-todo"]')).map((i) => i.dataset.kind));
  assert.ok(kinds.includes('to_reconcile'), `its Pronote accounts wait to be linked: ${kinds}`);
  assert.ok(!kinds.includes('never_imported'), `its exports were imported: ${kinds}`);
  const ages = await browser.$$('[data-testid="home-import-age"]');
  assert.equal(ages.length, 3);
  assert.match(await (await byTestId('home-today')).getText(), /SIECLE : aujourd'hui/);
  await checked('discovered');

  // One item opened: the reconciliation.
  await (await browser.$('[data-testid="home-todo"][data-kind="to_reconcile"] a')).click();
  await browser.waitUntil(async () => (await browser.getUrl()).endsWith('#/rapprochement'), { timeout: 10000 });
  await (await byTestId('view-rapprochement')).waitForExist({ timeout: 20000 });
  await checked('item-opened');

  // One click removes it; the folder is empty again.
  await (await byTestId('nav-accueil')).click();
  await (await byTestId('demo-remove')).click();
  await (await byTestId('empty-state')).waitForExist({ timeout: 20000, timeoutMsg: 'not back to the first run' });
  assert.deepEqual(readdirSync(ws.dataDir).filter((n) => n.endsWith('.preau')), []);
});
