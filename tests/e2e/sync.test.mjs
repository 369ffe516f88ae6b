// End to end, the Synchronisation view against the real SCIM peer: the demo
// collège published on an empty server (preau-cli sync publish, as `cargo
// xtask run` does), its Pronote links applied in the Rapprochement view,
// then in the Synchronisation view: the server's address, « Tester la
// connexion », the pull, the pending changes grouped and readable, the push
// — and the links read back from the server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCREENSHOTS, digits, uaiFromDigits, workspace, startApp, startPeer } from './harness.mjs';

const UAI = uaiFromDigits('0999001');
const EXT = 'urn:preau:scim:schemas:extension:ent:1.0:User';

let ws;
let app;
let peer;
let browser;
let byTestId;

before(async () => {
  peer = await startPeer();
  ws = workspace('preau-e2e-sync-');
  ws.env.PREAU_SCIM_TOKEN = peer.token;
  const out = join(ws.dataDir, 'demo-files');
  ws.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '11', '--out', out);
  const names = readdirSync(out);
  const pronote = names.find((n) => /^identifiants_pronote.*\.csv$/i.test(n));
  const directory = names.find((n) => /^export_annuaire_ENT.*\.csv$/i.test(n));
  ws.cli('import', '--uai', UAI, join(out, pronote), join(out, directory));
  ws.cli('sync', 'configure', '--uai', UAI, '--url', peer.url);
  const published = JSON.parse(ws.cli('sync', 'publish', '--uai', UAI, '--json'));
  assert.ok(published.users_created > 100, JSON.stringify(published));
  app = await startApp(ws.env, 'tauri-driver-sync.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
  if (peer) peer.stop();
});

async function serverUser(externalId) {
  const filter = encodeURIComponent(`externalId eq "${externalId}"`);
  const res = await fetch(`${peer.url}/Users?filter=${filter}`, { headers: { Authorization: `Bearer ${peer.token}` } });
  assert.equal(res.status, 200);
  return (await res.json()).Resources[0];
}

test('links applied in the window are pushed to the server and read back', async () => {
  // Apply the engine's automatic links.
  await (await byTestId('nav-rapprochement')).click();
  await (await byTestId('match-session')).waitForExist();
  await (await byTestId('match-apply')).click();
  await (await byTestId('match-applied')).waitForExist({ timeout: 30000 });
  const queued = Number(digits((await (await byTestId('match-applied')).getText()).split(';')[1] || '').replace(/\D+/g, ' ').trim().split(' ')[0]);
  assert.ok(queued > 100, `links queued: ${queued}`);

  await (await byTestId('nav-synchronisation')).click();
  await (await byTestId('sync-server')).waitForExist();
  assert.equal(await (await byTestId('sync-url')).getValue(), peer.url);
  await (await byTestId('sync-test')).click();
  await (await byTestId('sync-test-ok')).waitForExist({ timeout: 30000 });

  await (await byTestId('sync-pull')).click();
  await browser.waitUntil(async () => /[1-9]/.test(await (await byTestId('sync-snapshot')).getText()), {
    timeout: 30000,
    timeoutMsg: 'the pull never showed the server directory',
  });
  const pending = await byTestId('sync-pending');
  const heading = await (await pending.$('h2')).getText();
  assert.equal(Number(digits(heading).replace(/\D/g, '')), queued, heading);
  // A long group starts folded: open the modifications.
  await (await (await byTestId('sync-group-patch')).$('summary')).click();
  const first = await pending.$('[data-testid="sync-change"]');
  const line = await first.getText();
  assert.match(line, /pronoteId → /, line);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-pending.png'));

  // One change is withdrawn before sending.
  const changes = await pending.$$('[data-testid="sync-change"]');
  const withdrawn = await changes[1].getText();
  await (await changes[1].$('[data-testid="sync-reject"]')).click();
  await browser.waitUntil(
    async () => Number(digits(await (await (await byTestId('sync-pending')).$('h2')).getText()).replace(/\D/g, '')) === queued - 1,
    { timeout: 15000, timeoutMsg: 'the withdrawn change is still pending' },
  );

  await (await byTestId('sync-push')).click();
  // A push of some 1,400 changes shows its progress and can be stopped.
  await browser.waitUntil(async () => (await byTestId('sync-progress')).isDisplayed(), {
    timeout: 10000,
    timeoutMsg: 'no progress shown during the push',
  });
  assert.ok(await (await byTestId('sync-cancel')).isDisplayed());
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-pushing.png'));
  await browser.waitUntil(async () => /\(0\)/.test(await (await (await byTestId('sync-pending')).$('h2')).getText()), {
    timeout: 60000,
    timeoutMsg: 'the push never emptied the outbox',
  });
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-pushed.png'));
  const status = JSON.parse(ws.cli('sync', 'status', '--uai', UAI, '--json'));
  assert.equal(status.pending, 0);
  assert.equal(status.last.pushed, queued - 1);

  // The server holds the links: the first change's account carries its Pronote id.
  const target = (line.match(/Compte (\S+)/) || [])[1];
  const value = (line.match(/pronoteId → (\S+)/) || [])[1];
  assert.ok(target && value, line);
  const user = await serverUser(target);
  assert.equal(user[EXT].pronoteId, value);
  // The withdrawn one never reached the server.
  const withdrawnTarget = (withdrawn.match(/Compte (\S+)/) || [])[1];
  assert.ok(withdrawnTarget, withdrawn);
  assert.equal(((await serverUser(withdrawnTarget))[EXT] || {}).pronoteId, undefined);
});
