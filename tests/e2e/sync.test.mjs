// End to end, the Synchronisation view against the real SCIM peer: the demo
// collège published on an empty server (preau-cli sync publish, as `cargo
// xtask run` does), its Pronote links applied in the Rapprochement view,
// then in the Synchronisation view: the server's address, « Tester la
// connexion », the pull with its progress, the pending changes grouped and
// readable, the push — and the links read back from the server. One account
// is changed on the server meanwhile: its conflict is shown three ways,
// merged in the window, pushed, and the merge read back.
//
// Then, for a second establishment with no server yet and no keychain in the
// session: every action answers right under its buttons, announced and
// focused; « Tester la connexion » tries what is typed, saved or not; a token
// the keychain cannot keep saves nothing (no address, no journal entry).
// Published from the window, one account of it is refused, its login taken
// on the server by someone else: named as a person, the free login proposed
// is accepted with « Utiliser cet identifiant », and the next publish
// creates the account with it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { SCREENSHOTS, digits, uaiFromDigits, workspace, startApp, startPeer } from './harness.mjs';

const UAI = uaiFromDigits('0999001');
const OTHER = uaiFromDigits('0999002');
const EXT = 'urn:preau:scim:schemas:extension:ent:1.0:User';

let ws;
let app;
let peer;
let browser;
let byTestId;
let slow;

/** The peer behind a pause of `ms` per request, to see the view while it waits. */
function slowProxy(target, ms) {
  const base = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () =>
      setTimeout(async () => {
        try {
          const up = await fetch(`${base.origin}${req.url}`, {
            method: req.method,
            headers: { authorization: req.headers.authorization || '', 'content-type': 'application/scim+json' },
            body: ['GET', 'HEAD'].includes(req.method) ? undefined : Buffer.concat(chunks),
          });
          const text = await up.text();
          res.writeHead(up.status, { 'content-type': 'application/scim+json' });
          res.end(text);
        } catch {
          res.destroy();
        }
      }, ms),
    );
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}/v2`, stop: () => server.close() })),
  );
}

before(async () => {
  peer = await startPeer();
  ws = workspace('preau-e2e-sync-');
  ws.env.PREAU_SCIM_TOKEN = peer.token;
  // A session without any keychain: a token typed in the window cannot be kept.
  ws.env.PREAU_TEST_KEYCHAIN = 'none';
  slow = await slowProxy(peer.url, 1500);
  ws.cli('demo', '--uai', OTHER, '--kind', 'college', '--seed', '12', '--out', join(ws.dataDir, 'demo-other'));
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
  if (slow) slow.stop();
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

/** `uai` chosen in the selector (the webview remembers the last one between runs). */
async function selectEstablishment(uai) {
  await (await byTestId('nav-accueil')).click();
  const select = await byTestId('establishment-select');
  await select.waitForEnabled();
  await select.selectByAttribute('value', uai);
  await browser.waitUntil(async () => (await (await byTestId('establishment-name')).getText()).includes(uai), {
    timeoutMsg: `home view never showed ${uai}`,
  });
}

test('links applied in the window are pushed to the server and read back', async () => {
  await selectEstablishment(UAI);
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
  const target = await first.getAttribute('data-target');
  assert.match(line, /identifiant Pronote → /, line);
  // The line names the person as the console does, never by the account's id.
  assert.ok(target && !line.includes(target), `${target} in « ${line} »`);
  assert.doesNotMatch(line, /pronoteId|undefined|null|\[object/, line);
  const named = await serverUser(target);
  assert.ok(line.startsWith(`Compte ${named.name.familyName.toUpperCase()} ${named.name.givenName.split(' ')[0]}`), line);
  assert.match(line, /\) — identifiant Pronote → /, line);
  await first.scrollIntoView({ block: 'center' });
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-pending.png'));

  // One change is withdrawn before sending.
  const changes = await pending.$$('[data-testid="sync-change"]');
  const withdrawnTarget = await changes[1].getAttribute('data-target');
  await (await changes[1].$('[data-testid="sync-reject"]')).click();
  await browser.waitUntil(
    async () => Number(digits(await (await (await byTestId('sync-pending')).$('h2')).getText()).replace(/\D/g, '')) === queued - 1,
    { timeout: 15000, timeoutMsg: 'the withdrawn change is still pending' },
  );

  // Meanwhile, someone sets the same attribute of another account on the server.
  const contested = await changes[2].getText();
  const contestedTarget = await changes[2].getAttribute('data-target');
  const mineValue = (contested.match(/identifiant Pronote → (\S+)/) || [])[1];
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
  const value = (line.match(/identifiant Pronote → (\S+)/) || [])[1];
  assert.ok(target && value, line);
  const user = await serverUser(target);
  assert.equal(user[EXT].pronoteId, value);
  // The withdrawn one never reached the server.
  assert.ok(withdrawnTarget);
  assert.equal(((await serverUser(withdrawnTarget))[EXT] || {}).pronoteId, undefined);
});

/** Where the view's answer stands: right after the server's buttons, focused, in view; and what was announced. */
async function answerPlace() {
  return browser.execute(() => {
    const result = document.querySelector('[data-testid="sync-result"]');
    const bar = document.querySelector('[data-testid="sync-save"]').closest('.toolbar');
    const box = result.getBoundingClientRect();
    return {
      underButtons: bar.nextElementSibling === result,
      focused: document.activeElement === result,
      inView: box.top >= 0 && box.bottom <= window.innerHeight,
      announced: document.getElementById('status').textContent,
      sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    };
  });
}

async function journalConfigured() {
  await (await byTestId('nav-journal')).click();
  await browser.waitUntil(async () => (await byTestId('journal-table')).isExisting() || (await byTestId('journal-empty')).isExisting(), {
    timeoutMsg: 'the journal never showed',
  });
  return (await browser.$$('[data-testid="journal-entry"][data-action="SYNC_CONFIGURED"]')).length;
}

test('every action answers under its buttons; the typed address is tested; a token that cannot be kept saves nothing', async () => {
  await selectEstablishment(OTHER);
  const configuredBefore = await journalConfigured();

  // No server yet: said, with what to do.
  await (await byTestId('nav-synchronisation')).click();
  await (await byTestId('sync-not-configured')).waitForExist({ timeout: 15000 });
  assert.equal(await (await byTestId('sync-url')).getValue(), '');
  assert.equal(await (await byTestId('sync-pull')).isEnabled(), false);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-not-configured.png'));

  // A wrong token typed: the refusal under the buttons, focused and announced.
  await (await byTestId('sync-url')).setValue(peer.url);
  await (await byTestId('sync-token')).setValue('mauvais-jeton');
  await (await byTestId('sync-test')).click();
  const refused = await byTestId('sync-error');
  await refused.waitForExist({ timeout: 30000 });
  assert.equal(await refused.getAttribute('data-code'), 'SYNC_UNAUTHORIZED');
  let place = await answerPlace();
  assert.ok(place.underButtons && place.focused && place.inView && !place.sideways, JSON.stringify(place));
  assert.match(place.announced, /jeton/);
  assert.doesNotMatch(await refused.getText(), /undefined|\[object|NaN/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-error.png'));

  // The address as typed, never saved (through a slow relay): « testing », then its answer.
  await (await byTestId('sync-token')).clearValue();
  await (await byTestId('sync-url')).setValue(slow.url);
  await (await byTestId('sync-test')).click();
  await (await byTestId('sync-waiting')).waitForDisplayed({ timeout: 10000 });
  assert.match(await (await byTestId('sync-waiting')).getText(), new RegExp(slow.url.replace(/[.]/g, '\\.')));
  assert.equal(await (await byTestId('sync-test')).isEnabled(), false);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-testing.png'));
  const ok = await byTestId('sync-test-ok');
  await ok.waitForExist({ timeout: 30000 });
  assert.match(await ok.getText(), /pas encore enregistrée/);
  place = await answerPlace();
  assert.ok(place.underButtons && place.focused && place.inView, JSON.stringify(place));
  assert.match(place.announced, /Connexion réussie/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-test-ok.png'));
  assert.equal(JSON.parse(ws.cli('sync', 'status', '--uai', OTHER, '--json')).server, null, 'a test saves nothing');

  // A token the keychain cannot keep: nothing saved, nothing journaled.
  await (await byTestId('sync-url')).setValue(peer.url);
  await (await byTestId('sync-token')).setValue('jeton-e2e');
  await (await byTestId('sync-save')).click();
  const unsaved = await byTestId('sync-error');
  await browser.waitUntil(async () => (await unsaved.isExisting()) && (await unsaved.getAttribute('data-code')) === 'SYNC_TOKEN_NOT_SAVED', {
    timeout: 15000,
    timeoutMsg: 'the token that cannot be kept is not said',
  });
  assert.match(await unsaved.getText(), /rien n'a été enregistré/);
  place = await answerPlace();
  assert.ok(place.underButtons && place.focused && place.inView && !place.sideways, JSON.stringify(place));
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-token-not-saved.png'));
  assert.equal(JSON.parse(ws.cli('sync', 'status', '--uai', OTHER, '--json')).server, null, 'no address kept');
  assert.equal(await journalConfigured(), configuredBefore, 'no SYNC_CONFIGURED in the journal');

  // The address alone is saved, and said under the buttons.
  await (await byTestId('nav-synchronisation')).click();
  await (await byTestId('sync-url')).waitForExist({ timeout: 15000 });
  await (await byTestId('sync-url')).setValue(peer.url);
  await (await byTestId('sync-save')).click();
  await (await byTestId('sync-saved')).waitForExist({ timeout: 15000 });
  place = await answerPlace();
  assert.ok(place.underButtons && place.focused && place.inView, JSON.stringify(place));
  assert.match(place.announced, /enregistr/);
  assert.equal(JSON.parse(ws.cli('sync', 'status', '--uai', OTHER, '--json')).server, peer.url);
  assert.equal(await journalConfigured(), configuredBefore + 1);
  await (await byTestId('nav-synchronisation')).click();
  await (await byTestId('sync-server')).waitForExist({ timeout: 15000 });
  // No token kept for this server: the one at hand is the environment's, and said so.
  assert.match(await (await browser.$('label[for="sync-token"]')).getText(), /PREAU_SCIM_TOKEN/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-configured.png'));
});

test('a login taken on the server is replaced by the one proposed, and the account published with it', async () => {
  // One of the second establishment's accounts, from its ENT directory export.
  const dir = join(ws.dataDir, 'demo-other');
  const csv = readFileSync(join(dir, readdirSync(dir).find((n) => /^export_annuaire_ENT.*\.csv$/i.test(n))), 'utf8');
  const cells = csv.replace(/^\uFEFF/, '').split(/\r?\n/)[5].split(';').map((c) => c.replace(/^"|"$/g, ''));
  const [account, nom, , prenom] = cells;
  const login = cells[cells.length - 1];
  const squatter = await fetch(`${peer.url}/Users`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${peer.token}`, 'Content-Type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: login, externalId: 'ailleurs-e2e' }),
  });
  assert.equal(squatter.status, 201);

  await selectEstablishment(OTHER);
  await (await byTestId('nav-synchronisation')).click();
  await (await byTestId('sync-publish')).waitForEnabled({ timeout: 15000 });
  await (await byTestId('sync-publish')).click();
  const said = await byTestId('sync-published');
  await said.waitForExist({ timeout: 90000 });
  assert.match(await said.getText(), /1 refusé/);
  const item = await browser.$(`[data-testid="sync-refused-item"][data-account="${account}"]`);
  await item.waitForExist({ timeout: 15000 });
  const text = await item.getText();
  assert.ok(text.includes(`${prenom} ${nom}`), text);
  assert.ok(text.includes(login), text);
  assert.doesNotMatch(text, /undefined|\[object|NaN|409|uniqueness/);
  const input = await item.$('[data-testid="sync-login-input"]');
  const proposed = await input.getValue();
  assert.ok(proposed.includes('.') && proposed !== login, proposed);
  const focused = await browser.execute(() => document.activeElement === document.querySelector('[data-testid="sync-result"]'));
  assert.ok(focused, 'the answer takes the focus');
  const sideways = await browser.execute(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
  assert.equal(sideways, false);
  await item.scrollIntoView();
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-login-refused.png'));

  // A login that is no login: refused next to the field, nothing kept.
  await input.setValue('jean dupont');
  await (await item.$('[data-testid="sync-login-use"]')).click();
  const wrong = await byTestId('sync-error');
  await wrong.waitForExist({ timeout: 15000 });
  assert.equal(await wrong.getAttribute('data-code'), 'ACCOUNT_LOGIN_INVALID');
  assert.match(await wrong.getText(), /n'est pas un identifiant possible/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-login-invalid.png'));

  // The proposed one accepted.
  await input.setValue(proposed);
  await (await item.$('[data-testid="sync-login-use"]')).click();
  const saved = await byTestId('sync-login-saved');
  await saved.waitForExist({ timeout: 15000 });
  assert.ok((await saved.getText()).includes(`${prenom} ${nom}`));
  assert.ok((await saved.getText()).includes(proposed));
  const announced = await browser.execute(() => document.getElementById('status').textContent);
  assert.match(announced, /Publiez à nouveau/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-login-saved.png'));

  // Published again: the account is created with its new login.
  await (await byTestId('sync-publish')).click();
  await browser.waitUntil(async () => !(await (await byTestId('sync-refused')).isExisting()) && (await (await byTestId('sync-published')).isExisting()), {
    timeout: 60000,
    timeoutMsg: 'the second publish never ended without refusal',
  });
  assert.match(await (await byTestId('sync-published')).getText(), /^✓ Publication faite : 1 compte et 0 groupe créés ; [\d\s\u202f]+ déjà présents\.$/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'sync-login-published.png'));
  assert.equal((await serverUser(account)).userName, proposed);

  // The journal says it as a sentence.
  await (await byTestId('nav-journal')).click();
  const entry = await browser.$('[data-testid="journal-entry"][data-action="ACCOUNT_LOGIN_SET"]');
  await entry.waitForExist({ timeout: 15000 });
  const sentence = await entry.getText();
  assert.ok(sentence.includes(`${prenom} ${nom}`) && sentence.includes(proposed) && sentence.includes(login), sentence);
  assert.doesNotMatch(sentence, /ACCOUNT_LOGIN_SET/);
});
