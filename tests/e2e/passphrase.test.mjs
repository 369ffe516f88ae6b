// End to end, a PC without a keychain (and no key in the environment): Préau
// asks for a passphrase first, explains why, protects the stores with it
// (SQLCipher derives the key), and asks it again at the next start; a wrong
// one is refused and nothing is created. No screen asks for a variable.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { uaiFromDigits, workspace, startApp } from './harness.mjs';
import { lookedAt } from './gate.mjs';

const UAI = uaiFromDigits('0999007');
const PASSPHRASE = 'preau sans trousseau';
let ws;
let app;

before(() => {
  ws = workspace('preau-e2e-passphrase-');
  ws.env.PREAU_TEST_KEYCHAIN = 'none';
  delete ws.env.PREAU_DB_KEY;
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

const checked = (browser, name) => lookedAt(browser, `passphrase-${name}`);

const stores = () => readdirSync(ws.dataDir).filter((n) => n.endsWith('.preau'));

test('no keychain: a passphrase chosen, then asked again; a wrong one refused', async () => {
  app = await startApp(ws.env, 'tauri-driver-passphrase.log');
  let { browser, byTestId } = app;
  const form = await byTestId('unlock-form');
  await form.waitForExist({ timeout: 20000 });
  const text = await (await byTestId('view-unlock')).getText();
  assert.match(text, /trousseau/);
  assert.doesNotMatch(text, /PREAU_|variable|terminal/i, 'no variable asked for');
  await checked(browser, 'choose');
  await (await byTestId('unlock-passphrase')).setValue(PASSPHRASE);
  await (await byTestId('unlock-passphrase-again')).setValue(`${PASSPHRASE}?`);
  await (await byTestId('unlock-submit')).click();
  await (await byTestId('unlock-problem')).$('p').waitForExist();
  await (await byTestId('unlock-passphrase-again')).setValue(PASSPHRASE);
  await (await byTestId('unlock-submit')).click();
  await (await byTestId('empty-state')).waitForExist({ timeout: 20000 });

  // An establishment, protected by the passphrase.
  await (await byTestId('empty-new-establishment')).click();
  await (await byTestId('new-uai')).setValue(UAI);
  await (await byTestId('new-establishment-submit')).click();
  await browser.waitUntil(
    async () => (await browser.execute(() => document.getElementById('establishment-select').value)) === UAI,
    { timeout: 30000, timeoutMsg: 'the establishment was not created' },
  );
  assert.deepEqual(stores(), [`${UAI}.preau`]);
  await app.stop();

  // The next start asks for it; a wrong one opens nothing and creates nothing.
  app = await startApp(ws.env, 'tauri-driver-passphrase-2.log');
  ({ browser, byTestId } = app);
  await (await byTestId('unlock-form')).waitForExist({ timeout: 20000 });
  assert.equal(await (await byTestId('unlock-passphrase-again')).isExisting(), false, 'asked once, to open');
  await (await byTestId('unlock-passphrase')).setValue('pas la bonne phrase');
  await (await byTestId('unlock-submit')).click();
  const wrong = await byTestId('unlock-error');
  await wrong.waitForExist({ timeout: 20000 });
  assert.equal(await wrong.getAttribute('data-code'), 'KEY_PASSPHRASE_WRONG');
  assert.deepEqual(stores(), [`${UAI}.preau`]);
  await (await byTestId('unlock-passphrase')).setValue(PASSPHRASE);
  await (await byTestId('unlock-submit')).click();
  await browser.waitUntil(
    async () => (await browser.execute(() => document.getElementById('establishment-select').value)) === UAI,
    { timeout: 20000, timeoutMsg: 'the establishment did not open with its passphrase' },
  );
  await checked(browser, 'opened');
});
