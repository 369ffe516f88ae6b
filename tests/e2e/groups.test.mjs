// End to end, Groupes against the real SCIM peer, on a store built from the
// demo's real-format files: « Tous les élèves de 3e » created from its
// template in the window with the right count, pushed, its members read back
// from the peer; then a SIECLE import moving one pupil out of 3e, and the
// diff shown in the window before it is applied.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI_BIN, SCREENSHOTS, digits, uaiFromDigits, workspace, startApp, startPeer } from './harness.mjs';

const UAI = uaiFromDigits('0999001');
let ws;
let app;
let peer;
let browser;
let byTestId;
let files;
let third;

before(async () => {
  peer = await startPeer();
  ws = workspace('preau-e2e-groups-');
  ws.env.PREAU_SCIM_TOKEN = peer.token;
  files = join(ws.dataDir, 'demo-files');
  // The files come from a throw-away store; the one the app opens is built by importing them.
  execFileSync(CLI_BIN, ['--data-dir', join(ws.dataDir, 'demo'), 'demo', '--uai', UAI, '--kind', 'college', '--seed', '13', '--out', files], { env: ws.env });
  const names = ['ElevesSansAdresses.xml', 'ResponsablesAvecAdresses.xml', 'Structures.xml', 'Nomenclature.xml', `sts_emp_${UAI}_2026.xml`, `Edt_To_TESTENT_${UAI}_Enclair.xml`, `export_annuaire_ENT_${UAI}.csv`];
  ws.cli('import', '--uai', UAI, ...names.map((n) => join(files, n)));
  third = JSON.parse(ws.cli('status', '--uai', UAI, '--json')).pupils_by_level['3e'];
  assert.ok(third > 50, `pupils in 3e: ${third}`);
  ws.cli('sync', 'configure', '--uai', UAI, '--url', peer.url);
  ws.cli('sync', 'publish', '--uai', UAI, '--json');
  ws.cli('sync', 'pull', '--uai', UAI, '--json');
  app = await startApp(ws.env, 'tauri-driver-groups.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
  if (peer) peer.stop();
});

async function serverGroup(name) {
  const filter = encodeURIComponent(`displayName eq "${name}"`);
  const res = await fetch(`${peer.url}/Groups?filter=${filter}`, { headers: { Authorization: `Bearer ${peer.token}` } });
  assert.equal(res.status, 200);
  return ((await res.json()).Resources || [])[0];
}

const pendingCount = async () => Number(digits((await (await (await byTestId('sync-pending')).$('h2')).getText())).replace(/\D/g, ''));

test('« Tous les élèves de 3e » from its template, pushed, then a SIECLE import’s diff', async () => {
  await (await byTestId('nav-groupes')).click();
  const template = await byTestId('grp-template');
  await template.waitForExist({ timeout: 20000 });
  await template.selectByAttribute('value', 'eleves-3e');
  assert.equal(await (await byTestId('grp-name')).getValue(), 'Tous les élèves de 3e');
  assert.equal(await (await byTestId('grp-rule')).getValue(), 'profil:eleve et niveau:3e');
  const count = await byTestId('grp-rule-count');
  await browser.waitUntil(async () => digits(await count.getText()).includes(`${third}personne`), {
    timeout: 10000,
    timeoutMsg: `the rule should select ${third} pupils`,
  });
  await (await byTestId('grp-create')).click();
  const detail = await byTestId('grp-detail');
  await browser.waitUntil(async () => (await detail.getText()).includes('Tous les élèves de 3e'), { timeout: 15000 });
  assert.equal((await browser.$$('[data-testid="grp-member"]')).length, third);
  const row = await browser.$('[data-testid="grp-row"]');
  assert.equal(digits(await (await row.$('[data-testid="grp-count"]')).getText()), String(third));
  await browser.saveScreenshot(join(SCREENSHOTS, 'groups-created.png'));

  // Pushed: the server's group holds every 3e pupil.
  await (await byTestId('nav-synchronisation')).click();
  await (await byTestId('sync-pending')).waitForExist({ timeout: 15000 });
  assert.equal(await pendingCount(), third + 1, 'the group and its members wait');
  await (await byTestId('sync-push')).click();
  await browser.waitUntil(async () => (await pendingCount()) === 0, { timeout: 60000, timeoutMsg: 'the group was never sent' });
  const group = await serverGroup('Tous les élèves de 3e');
  assert.ok(group, 'the server has the group');
  assert.equal(group.members.length, third);
  assert.equal(group['urn:preau:scim:schemas:extension:ent:1.0:Group'].rule, 'profil:eleve et niveau:3e');

  // A new SIECLE: one pupil moved from 3e to 4e.
  const latin = readFileSync(join(files, 'ElevesSansAdresses.xml')).toString('latin1');
  const at = latin.indexOf('<CODE_STRUCTURE>3');
  const end = latin.indexOf('</CODE_STRUCTURE>', at);
  const moved = join(ws.dataDir, 'ElevesSansAdresses_nouveau.xml');
  writeFileSync(moved, Buffer.from(`${latin.slice(0, at)}<CODE_STRUCTURE>4A${latin.slice(end)}`, 'latin1'));
  ws.cli('import', '--uai', UAI, moved);

  await (await byTestId('nav-accueil')).click();
  await (await byTestId('nav-groupes')).click();
  const notice = await byTestId('grp-reevaluate');
  await notice.waitForExist({ timeout: 20000 });
  assert.match(digits(await notice.getText()), /0entrant,1sortant/);
  await (await byTestId('grp-see-diff')).click();
  const sortants = await byTestId('grp-sortants');
  await sortants.waitForExist({ timeout: 10000 });
  assert.match(await sortants.getText(), /^Sortants \(1\) : /);
  assert.equal(await (await byTestId('grp-entrants')).isExisting(), false);
  assert.equal((await browser.$$('[data-testid="grp-member"]')).length, third, 'nothing applied silently');
  await browser.saveScreenshot(join(SCREENSHOTS, 'groups-diff.png'));
  await (await byTestId('grp-apply')).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="grp-member"]')).length === third - 1, {
    timeout: 15000,
    timeoutMsg: 'the diff was not applied',
  });
  assert.equal(await (await byTestId('grp-diff')).isExisting(), false);
});
