// End to end, a second PC: an empty data folder, « Récupérer depuis le
// serveur ENT », the UAI, address and token typed, and the establishment
// comes from the server alone — accounts, groups, eyes — with its progress.
// A wrong token creates nothing. axe-core and the readable-text check run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCREENSHOTS, uaiFromDigits, workspace, startApp, startPeer } from './harness.mjs';
import { axeViolations, lookedAt, settle } from './gate.mjs';

const UAI = uaiFromDigits('0999006');
let first;
let ws;
let peer;
let app;
let browser;
let byTestId;

before(async () => {
  peer = await startPeer();
  // The first PC published the establishment.
  first = workspace('preau-e2e-server-first-');
  first.env.PREAU_SCIM_TOKEN = peer.token;
  first.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '11');
  first.cli('sync', 'configure', '--uai', UAI, '--url', peer.url);
  first.cli('sync', 'publish', '--uai', UAI);
  // The second one has nothing; its keychain stands in memory.
  ws = workspace('preau-e2e-server-second-');
  ws.env.PREAU_TEST_KEYCHAIN = 'memory';
  delete ws.env.PREAU_SCIM_TOKEN;
  app = await startApp(ws.env, 'tauri-driver-from-server.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
  if (first) first.cleanup();
  if (peer) peer.stop();
});

const checked = (name) => lookedAt(browser, `from-server-${name}`);

test('a second PC starts from the ENT server alone', async () => {
  await (await byTestId('empty-from-server')).waitForExist({ timeout: 20000 });
  await (await byTestId('empty-from-server')).click();
  const uai = await byTestId('server-uai');
  await uai.waitForExist({ timeout: 10000 });
  await uai.setValue(UAI);
  await (await byTestId('server-url')).setValue(peer.url);
  // A wrong token: refused, nothing created.
  await (await byTestId('server-token')).setValue('pas-le-bon-jeton');
  await (await byTestId('server-submit')).click();
  const refused = await byTestId('server-error');
  await refused.waitForExist({ timeout: 30000 });
  assert.equal(await refused.getAttribute('data-code'), 'SYNC_UNAUTHORIZED');
  assert.deepEqual(readdirSync(ws.dataDir).filter((n) => n.endsWith('.preau')), [], 'nothing half-made');
  // The error box says it in words; its code is there for the assistance only.
  assert.match(await refused.getText(), /refuse le jeton d'accès/);
  await settle(browser);
  assert.deepEqual(await axeViolations(browser), [], 'axe on refused');
  await browser.saveScreenshot(join(SCREENSHOTS, 'from-server-refused.png'));

  await (await byTestId('server-token')).setValue(peer.token);
  await (await byTestId('server-submit')).click();
  await (await byTestId('home-today')).waitForExist({ timeout: 120000, timeoutMsg: 'the establishment never came' });
  assert.match(await (await browser.$('#status')).getText(), /comptes/);
  const status = JSON.parse(ws.cli('sync', 'status', '--uai', UAI, '--json'));
  assert.ok(status.directory.users > 500, JSON.stringify(status));
  assert.ok(status.directory.groups > 0, JSON.stringify(status));
  assert.equal(status.server, peer.url);
  await checked('pulled');
});
