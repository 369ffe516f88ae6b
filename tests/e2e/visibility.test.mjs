// End to end, Qui voit qui against the real SCIM peer: the demo collège
// published and pulled; in the window, the eye of Parent → Direction closed,
// exactly that change previewed with its side effect, applied, seen pending
// in Synchronisation, pushed — and the rule read back from the server. The
// grid answers the keyboard; the simulator says who can write to whom.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SCREENSHOTS, digits, uaiFromDigits, workspace, startApp, startPeer } from './harness.mjs';

const UAI = uaiFromDigits('0999001');
const DIRECTION = 'Mon établissement/Direction';

let ws;
let app;
let peer;
let browser;
let byTestId;

before(async () => {
  peer = await startPeer();
  ws = workspace('preau-e2e-visibility-');
  ws.env.PREAU_SCIM_TOKEN = peer.token;
  ws.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '12');
  ws.cli('sync', 'configure', '--uai', UAI, '--url', peer.url);
  ws.cli('sync', 'publish', '--uai', UAI, '--json');
  ws.cli('sync', 'pull', '--uai', UAI, '--json');
  app = await startApp(ws.env, 'tauri-driver-visibility.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
  if (peer) peer.stop();
});

const cell = (profile, node) => browser.$(`[data-testid="vis-cell"][data-profile="${profile}"][data-node="${node}"]`);

async function serverRule(profile, node) {
  const filter = encodeURIComponent(`externalId eq "${UAI}|${profile}|${node}"`);
  const res = await fetch(`${peer.url}/VisibilityRules?filter=${filter}`, { headers: { Authorization: `Bearer ${peer.token}` } });
  assert.equal(res.status, 200);
  return ((await res.json()).Resources || [])[0];
}

test('Parent → Direction turned off in the window reaches the server', async () => {
  await (await byTestId('nav-qui-voit-qui')).click();
  await (await byTestId('vis-grid')).waitForExist({ timeout: 20000 });
  assert.equal(await (await cell('Parent', DIRECTION)).getAttribute('aria-pressed'), 'true');

  // The keyboard moves inside the grid.
  await (await cell('Eleve', DIRECTION)).click();
  await (await byTestId('vis-cancel')).waitForExist();
  await (await byTestId('vis-cancel')).click();
  await (await cell('Eleve', DIRECTION)).click();
  await (await byTestId('vis-cancel')).click();
  await browser.execute((sel) => document.querySelector(sel).focus(), `[data-testid="vis-cell"][data-profile="Eleve"][data-node="${DIRECTION}"]`);
  await browser.keys(['ArrowRight']);
  const focused = await browser.execute(() => [document.activeElement.dataset.profile, document.activeElement.dataset.node]);
  assert.deepEqual(focused, ['Enseignant', DIRECTION]);
  const label = await (await cell('Parent', DIRECTION)).getAttribute('aria-label');
  assert.match(label, /^Parent — Mon établissement › Direction : visible/, label);
  // Eyes, not words: no cell shows text (so its spoken label cannot contradict it), each draws an eye.
  const cells = await browser.execute(() =>
    Array.from(document.querySelectorAll('[data-testid="vis-cell"]')).map((b) => ({ text: b.textContent.trim(), icon: !!b.querySelector('svg[aria-hidden="true"]') })),
  );
  assert.equal(cells.length, 6 * 23);
  assert.deepEqual(cells.filter((c) => c.text !== '' || !c.icon), [], 'every cell is an eye with no visible text');
  assert.match(await (await byTestId('view-qui-voit-qui')).getText(), /Cliquez sur l'œil/);
  assert.doesNotMatch(await (await byTestId('view-qui-voit-qui')).getText(), /assistant destinataire/);
  // Resetting the grid stands apart from the presets.
  const presets = await browser.execute(() => Array.from(document.querySelectorAll('.toolbar [data-testid="vis-preset"]')).map((b) => b.dataset.name));
  assert.ok(presets.length > 0 && !presets.includes('defauts'), presets.join(','));
  assert.ok(await (await browser.$('[data-testid="vis-reset"] [data-testid="vis-preset"][data-name="defauts"]')).isExisting());

  // Close the eye: exactly that change, and what it also hides.
  await (await cell('Parent', DIRECTION)).click();
  const preview = await byTestId('vis-preview');
  await preview.waitForExist({ timeout: 10000 });
  const changes = await preview.$$('[data-testid="vis-preview-change"]');
  assert.equal(changes.length, 1);
  assert.equal(await changes[0].getText(), 'Masquer « Mon établissement › Direction » au profil Parent');
  const warnings = await preview.$$('[data-testid="vis-warning"]');
  assert.equal(warnings.length, 1);
  assert.equal(await warnings[0].getAttribute('data-code'), 'HIDES_SUBTREE');
  assert.match(await warnings[0].getText(), /Chef d'établissement, Chef d'établissement adjoint, Adjoint gestionnaire/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'visibility-preview.png'));
  await (await byTestId('vis-apply')).click();
  await browser.waitUntil(async () => (await (await cell('Parent', DIRECTION)).getAttribute('aria-pressed')) === 'false', {
    timeout: 10000,
    timeoutMsg: 'the eye did not close',
  });
  // Its subtree is hidden with it; other profiles keep it.
  const chef = await cell('Parent', `${DIRECTION}/Chef d'établissement`);
  assert.equal(await chef.getAttribute('data-visible'), 'false');
  assert.equal(await chef.getAttribute('aria-pressed'), 'true', 'the child keeps its own eye');
  assert.equal(await (await cell('Eleve', DIRECTION)).getAttribute('data-visible'), 'true');
  assert.match(digits(await (await byTestId('vis-summary')).getText()), /^1changement/);
  await (await cell('Parent', DIRECTION)).scrollIntoView({ block: 'center' });
  await browser.saveScreenshot(join(SCREENSHOTS, 'visibility-grid.png'));

  // Pending in Synchronisation: that one change, then pushed.
  await (await byTestId('nav-synchronisation')).click();
  const pending = await byTestId('sync-pending');
  await pending.waitForExist({ timeout: 15000 });
  assert.match(await (await pending.$('h2')).getText(), /\(1\)/);
  const group = await byTestId('sync-group-patch');
  const line = await (await group.$('[data-testid="sync-change"]')).getText();
  assert.match(line, /Règle de visibilité « Mon établissement › Direction », profil Parent — masqué \(qui voit qui\)/u, line);
  assert.ok(!line.includes('|'), `no rule id: ${line}`);
  await (await byTestId('sync-push')).click();
  await browser.waitUntil(async () => /\(0\)/.test(await (await (await byTestId('sync-pending')).$('h2')).getText()), {
    timeout: 30000,
    timeoutMsg: 'the rule was never sent',
  });
  const rule = await serverRule('Parent', DIRECTION);
  assert.ok(rule, 'the server holds the rule');
  assert.equal(rule.visible, false);
  assert.equal(rule.establishment, UAI);

  // Back in the grid: nothing differs from the server any more.
  await (await byTestId('nav-qui-voit-qui')).click();
  await (await byTestId('vis-grid')).waitForExist({ timeout: 20000 });
  assert.match(digits(await (await byTestId('vis-summary')).getText()), /^0changement.*;0case/);
});

test('the simulator says who the chef d’établissement reaches', async () => {
  const functions = ws.cli('visibility', 'functions', '--uai', UAI, '--json').trim().split('\n').map((l) => JSON.parse(l));
  const node = (n) => functions.find((l) => l.node === n).members;
  const chef = node(`${DIRECTION}/Chef d'établissement`)[0];
  const cpe = node('Mon établissement/Vie scolaire/CPE')[0];
  const who = await byTestId('vis-sim-who-input');
  await who.setValue(chef.person);
  const option = await byTestId('vis-sim-who-option');
  await option.waitForExist({ timeout: 10000 });
  await option.click();
  await (await browser.$('[data-testid="vis-sim-node"][data-node="Mon établissement/Vie scolaire/CPE"]')).waitForExist({ timeout: 10000 });
  await (await byTestId('vis-sim-to-input')).setValue(cpe.person);
  await (await byTestId('vis-sim-to-option')).waitForExist({ timeout: 10000 });
  await (await byTestId('vis-sim-to-option')).click();
  const verdict = await byTestId('vis-verdict-text');
  await verdict.waitForExist({ timeout: 10000 });
  assert.equal(await verdict.getAttribute('data-can'), 'true');
  assert.match(await verdict.getText(), /Vie scolaire › CPE/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'visibility-simulator.png'));
});

test('qui fait quoi: the nodes, their alerts, and their composition queued for the server', async () => {
  const table = await byTestId('vis-fn-table');
  await table.waitForExist({ timeout: 10000 });
  const cpe = await browser.$('[data-testid="vis-fn-node"][data-node="Mon établissement/Vie scolaire/CPE"]');
  assert.match(await cpe.getText(), /CPE \(2\)/);
  const codes = [];
  for (const a of await browser.$$('[data-testid="vis-alert"]')) codes.push(await a.getAttribute('data-code'));
  assert.ok(codes.includes('EMPTY_NODE'), codes.join(','));
  assert.ok((await browser.$$('[data-testid="vis-rule"]')).length >= 10, 'the default mapping is shown');
  const queue = await byTestId('vis-queue-nodes');
  assert.equal(await queue.isEnabled(), true);
  await queue.scrollIntoView();
  await browser.saveScreenshot(join(SCREENSHOTS, 'visibility-functions.png'));
  await queue.click();
  await browser.waitUntil(async () => (await (await byTestId('vis-node-changes')).getText()).includes('celle du serveur'), {
    timeout: 15000,
    timeoutMsg: 'the composition was not queued',
  });
  const status = JSON.parse(ws.cli('sync', 'status', '--uai', UAI, '--json'));
  assert.ok(status.pending >= 15, JSON.stringify(status));
});
