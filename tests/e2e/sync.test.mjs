// End to end, the Synchronisation view against the real SCIM peer: the demo
// collège published on an empty server (preau-cli sync publish, as `cargo
// xtask run` does), its Pronote links applied in the Rapprochement view,
// then in the Synchronisation view: the server's address, « Tester la
// connexion », the pull with its progress, the pending changes grouped and
// readable, the push — and the links read back from the server. One account
// is changed on the server meanwhile: its conflict is shown three ways,
// merged in the window, pushed, and the merge read back.

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

async function serverPatch(externalId, path, value) {
  const user = await serverUser(externalId);
  const res = await fetch(`${peer.url}/Users/${user.id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${peer.token}`, 'Content-Type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path, value }] }),
  });
  assert.ok(res.status === 200 || res.status === 204, `PATCH ${res.status}`);
}

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
  // The pull shows what it receives, page by page.
  await browser.waitUntil(async () => /\d+ sur \d+/.test(await (await byTestId('sync-pull')).getText()), {
    timeout: 20000,
    interval: 40,
    timeoutMsg: 'no progress shown during the pull',
  });
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

  // Meanwhile, someone sets the same attribute of another account on the server.
  const contested = await changes[2].getText();
  const contestedTarget = (contested.match(/Compte (\S+)/) || [])[1];
  const mineValue = (contested.match(/pronoteId → (\S+)/) || [])[1];
  assert.ok(contestedTarget && mineValue, contested);
  await serverPatch(contestedTarget, `${EXT}:pronoteId`, 'AILLEURS');

  await (await byTestId('sync-push')).click();
  // A push of some 1,400 changes shows its progress and can be stopped.
  await browser.waitUntil(async () => (await byTestId('sync-progress')).isDisplayed(), {
    timeout: 10000,
    interval: 20,
    timeoutMsg: 'no progress shown during the push',
  });
  assert.ok(await (await byTestId('sync-cancel')).isDisplayed());
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-pushing.png'));
  await browser.waitUntil(async () => /\(0\)/.test(await (await (await byTestId('sync-pending')).$('h2')).getText()), {
    timeout: 60000,
    timeoutMsg: 'the push never emptied the outbox',
  });
  const status = JSON.parse(ws.cli('sync', 'status', '--uai', UAI, '--json'));
  assert.equal(status.pending, 0);
  assert.equal(status.conflicts, 1);
  assert.equal(status.last.pushed, queued - 2);

  // The conflict, three ways: before (nothing), mine, the server's.
  const conflict = await byTestId('sync-conflict');
  await conflict.waitForExist({ timeout: 15000 });
  assert.equal(await (await conflict.$('[data-testid="sync-mine"]')).getText(), mineValue);
  assert.equal(await (await conflict.$('[data-testid="sync-theirs"]')).getText(), 'AILLEURS');
  assert.equal(await (await conflict.$('[data-testid="sync-base"]')).getText(), '(vide)');
  const merged = await conflict.$('[data-testid="sync-merge-value"]');
  assert.equal(await merged.getValue(), mineValue, 'the merge starts from mine');
  await merged.setValue('FUSION-1');
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-conflict.png'));
  await (await conflict.$('[data-testid="sync-merge"]')).click();
  await browser.waitUntil(async () => /\(1\)/.test(await (await (await byTestId('sync-pending')).$('h2')).getText()), {
    timeout: 15000,
    timeoutMsg: 'the merge is not pending',
  });
  await (await byTestId('sync-push')).click();
  await browser.waitUntil(async () => /\(0\)/.test(await (await (await byTestId('sync-pending')).$('h2')).getText()), {
    timeout: 30000,
    timeoutMsg: 'the merge was never sent',
  });
  assert.equal(await (await byTestId('sync-conflicts')).isExisting(), false);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-pushed.png'));
  assert.equal((await serverUser(contestedTarget))[EXT].pronoteId, 'FUSION-1');

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
