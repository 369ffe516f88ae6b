// End to end, Annuaire: a teacher of another establishment found in « tout
// l'ENT »; a pupil's fiche with its sources; a guest created only after the
// near-existing account was shown and creating anyway was chosen; P9222 added
// to a staff member, who then sits in the « Assistante sociale » node of Qui
// voit qui; a ticket breaking rule 1 told so. axe-core and the readable-text
// check run on each state.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_BIN, uaiFromDigits, workspace, startApp } from './harness.mjs';
import { lookedAt } from './gate.mjs';

const UAI = uaiFromDigits('0999021');
const OTHER = uaiFromDigits('0999022');
let ws;
let app;
let browser;
let byTestId;
let teacher;
let pupil;
let staff;
let saveDir;

/** The CSV rows of a file (header first), split on `;` with the quotes taken off. */
const rows = (text) => text.replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(';').map((c) => c.replace(/^"|"$/g, '')));

before(async () => {
  ws = workspace('preau-e2e-annuaire-');
  // The establishment's exports, written by a generator in folders of their own, then imported.
  const gen = mkdtempSync(join(tmpdir(), 'preau-e2e-annuaire-files-'));
  const here = join(gen, 'ici');
  const there = join(gen, 'ailleurs');
  const generate = (uai, kind, seed, out) =>
    execFileSync(CLI_BIN, ['--data-dir', join(gen, `store-${seed}`), 'demo', '--uai', uai, '--kind', kind, '--seed', seed, '--out', out], { env: ws.env });
  generate(UAI, 'college', '21', here);
  generate(OTHER, 'lycee', '22', there);
  ws.generated = gen;
  // The ENT's directory holds both establishments.
  const mine = readFileSync(join(here, `export_annuaire_ENT_${UAI}.csv`), 'utf8');
  const theirs = readFileSync(join(there, `export_annuaire_ENT_${OTHER}.csv`), 'utf8');
  const academy = join(gen, 'annuaire-academie.csv');
  writeFileSync(academy, `${mine.trimEnd()}\r\n${theirs.replace(/^\uFEFF/, '').split(/\r?\n/).slice(1).join('\r\n')}`);
  const files = ['ElevesSansAdresses.xml', 'ResponsablesAvecAdresses.xml', 'Structures.xml', 'Nomenclature.xml', `sts_emp_${UAI}_2026.xml`]
    .map((f) => join(here, f));
  ws.cli('import', '--uai', UAI, ...files, academy);
  const other = rows(theirs);
  teacher = other.find((r) => r[4] === 'Enseignant');
  const own = rows(mine);
  pupil = own.find((r) => r[4] === 'Élève');
  saveDir = join(gen, 'enregistrements');
  mkdirSync(saveDir);
  ws.env.PREAU_TEST_SAVE = saveDir;
  staff = JSON.parse(ws.cli('directory', 'search', '--uai', UAI, '--fonction', 'ADF', '--json').trim().split('\n')[0]);
  app = await startApp(ws.env, 'tauri-driver-annuaire.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
  if (ws && ws.generated) rmSync(ws.generated, { recursive: true, force: true });
});

const checked = (name) => lookedAt(browser, `annuaire-${name}`);

async function type(testid, text) {
  const el = await byTestId(testid);
  await el.clearValue();
  if (text) await el.setValue(text);
  else await browser.execute((e) => e.dispatchEvent(new Event('input')), el);
}

async function rowsShown() {
  return browser.execute(() => Array.from(document.querySelectorAll('[data-testid="dir-row"]')).map((r) => r.textContent));
}

test('a teacher of another establishment is found in « tout l\'ENT »', async () => {
  await (await byTestId('nav-annuaire')).click();
  await (await byTestId('dir-hint')).waitForExist({ timeout: 20000 });
  await checked('empty');
  // Only in the whole ENT: the establishment does not know them.
  await type('dir-query', `${teacher[3].slice(0, 3)} ${teacher[1].slice(0, 4).toLowerCase()}`);
  await (await byTestId('dir-none')).waitForExist({ timeout: 20000, timeoutMsg: 'the establishment should not know them' });
  await (await byTestId('dir-scope-academie')).click();
  await browser.waitUntil(async () => (await rowsShown()).some((r) => r.includes(teacher[1])), { timeout: 20000, timeoutMsg: 'not found in the whole ENT' });
  const line = (await rowsShown()).find((r) => r.includes(teacher[1]));
  assert.match(line, /Enseignant/);
  assert.ok(line.includes(OTHER), line);
  assert.match(line, /Opérationnel/);
  await checked('academy');
  // Advanced: the teachers of that establishment only.
  await (await browser.$('[data-testid="dir-advanced"] summary')).click();
  await (await byTestId('dir-profile')).selectByAttribute('value', 'enseignant');
  await type('dir-etab', OTHER);
  await browser.waitUntil(async () => {
    const shown = await rowsShown();
    return shown.length > 0 && shown.every((r) => /Enseignant/.test(r) && r.includes(OTHER));
  }, { timeout: 20000, timeoutMsg: 'the criteria did not narrow the list' });
  await (await byTestId('dir-profile')).selectByAttribute('value', '');
  await type('dir-etab', '');
});

test('a pupil\'s fiche shows every source that knows them', async () => {
  await (await byTestId('dir-scope-etablissement')).click();
  await type('dir-query', `${pupil[1]} ${pupil[3]}`);
  await browser.waitUntil(async () => (await rowsShown()).some((r) => r.includes(pupil[1].toUpperCase())), { timeout: 20000 });
  await (await browser.$('[data-testid="dir-row"] [data-testid="dir-open"]')).click();
  await (await byTestId('dir-fiche')).waitForExist({ timeout: 20000 });
  const sources = await browser.execute(() => Array.from(document.querySelectorAll('[data-testid="dir-source"]')).map((r) => r.dataset.source));
  assert.ok(sources.includes('siecle') && sources.includes('ent'), `sources: ${sources}`);
  const fiche = await (await byTestId('dir-fiche')).getText();
  assert.match(fiche, /D'où viennent ses informations/);
  assert.match(fiche, /Responsables/);
  assert.match(fiche, /représentant légal/);
  assert.match(fiche, /Opérationnel/);
  await checked('fiche');
  // A parent's fiche: each child by the link that gives access, and where to correct it.
  await (await browser.$('[data-testid="dir-responsables"] [data-testid="dir-link-open"]')).click();
  await browser.waitUntil(async () => (await browser.$('[data-testid="dir-children"]')).isExisting(), { timeout: 20000, timeoutMsg: 'the parent\'s fiche has no children' });
  const children = await (await byTestId('dir-children')).getText();
  assert.ok(children.includes(pupil[1].toUpperCase()), children);
  assert.match(children, /Ce lien vient de SIECLE/);
  assert.match(children, /corrigez la fiche de l'élève dans SIECLE/);
  await checked('parent');
});

test('a guest is created only after the near-existing account was shown', async () => {
  await (await byTestId('dir-new')).click();
  await (await byTestId('dir-create')).waitForExist({ timeout: 20000 });
  await checked('create-empty');
  // The staff member's name, one letter off.
  const typo = `${staff.nom.slice(0, -1)}${staff.nom.endsWith('E') ? 'A' : 'E'}`;
  await (await byTestId('new-profile')).selectByAttribute('value', 'invite');
  await type('new-prenom', staff.prenom);
  await type('new-nom', typo);
  await (await byTestId('new-perenne-oui')).click();
  await (await byTestId('new-create')).click();
  await (await byTestId('new-likely-list')).waitForExist({ timeout: 20000, timeoutMsg: 'no near-existing account shown' });
  const shown = await (await byTestId('new-likely-list')).getText();
  assert.ok(shown.toUpperCase().includes(staff.nom.toUpperCase()), shown);
  await checked('create-likely');
  // Creating again without the explicit choice is refused.
  await (await byTestId('new-create')).click();
  await (await byTestId('dir-error')).waitForExist({ timeout: 20000 });
  await (await byTestId('new-force')).click();
  await (await byTestId('new-create')).click();
  await (await byTestId('dir-fiche')).waitForExist({ timeout: 20000, timeoutMsg: 'the account was not created' });
  assert.match(await (await byTestId('dir-state')).getText(), /En attente de création/);
  await checked('created');
  // Before the ENT creates it, its login can change.
  await type('dir-login', 'intervenant.test');
  await (await byTestId('dir-login-save')).click();
  await browser.waitUntil(async () => /intervenant\.test/.test(await (await byTestId('dir-account')).getText()), {
    timeout: 20000,
    timeoutMsg: 'the login did not change',
  });
  const audit = ws.cli('audit', 'verify', '--uai', UAI);
  assert.ok(audit.length > 0);
});

test('P9222 added to a staff member puts them in « Assistante sociale »', async () => {
  await type('dir-query', `${staff.nom} ${staff.prenom}`);
  await browser.waitUntil(async () => (await rowsShown()).some((r) => r.includes(staff.nom.toUpperCase())), { timeout: 20000 });
  const open = await browser.$(`[data-testid="dir-row"][data-id="${staff.person}"] [data-testid="dir-open"]`);
  await open.click();
  await (await byTestId('dir-fn-pick')).waitForExist({ timeout: 20000 });
  await (await byTestId('dir-fn-pick')).selectByAttribute('value', 'MDS/P9222');
  await browser.waitUntil(async () => /Assistante sociale/.test(await (await byTestId('dir-fn-preview')).getText()), {
    timeout: 20000,
    timeoutMsg: 'the node was not shown before the change',
  });
  await checked('function-preview');
  await (await byTestId('dir-fn-confirm')).click();
  await browser.waitUntil(async () => /SERVICE SOCIAL DES ELEVES/.test(await (await byTestId('dir-functions')).getText()), { timeout: 20000 });
  assert.match(await (await byTestId('dir-pending')).getText(), /Fonctions\/disciplines de poste/);
  await checked('function-added');
  // Qui voit qui: the node lists them.
  const functions = ws.cli('visibility', 'functions', '--uai', UAI);
  const line = functions.split('\n').find((l) => l.includes('Assistante sociale'));
  assert.ok(line && line.toUpperCase().includes(staff.nom.toUpperCase()), line);
});

test('a ticket that breaks rule 1 is told so', async () => {
  await (await byTestId('dir-fiche-ticket')).click();
  await (await byTestId('dir-ticket-form')).waitForExist({ timeout: 20000 });
  await type('tk-title', 'Cahier de textes invisible');
  await type('tk-expected', 'Le cahier de textes s\'affiche pour la personne.');
  await type('tk-seen', 'Le cahier de textes ne s\'affiche pas. Par ailleurs la messagerie refuse les pièces jointes.');
  await (await byTestId('tk-check')).click();
  await (await byTestId('tk-broken')).waitForExist({ timeout: 20000 });
  const rules = await browser.execute(() => Array.from(document.querySelectorAll('[data-testid="tk-rule"]')).map((r) => r.dataset.rule));
  assert.ok(rules.includes('1'), `rules: ${rules}`);
  assert.match(await (await byTestId('tk-broken')).getText(), /Règle 1 — un seul incident par ticket/);
  await checked('ticket-rule1');
  assert.deepEqual(readdirSync(saveDir), []);
  // One incident: the ticket is written, its text ready to paste.
  await type('tk-seen', 'Le cahier de textes ne s\'affiche pas depuis ce matin.');
  await (await byTestId('tk-check')).click();
  await (await byTestId('tk-ok')).waitForExist({ timeout: 20000 });
  await (await byTestId('tk-write')).click();
  await (await byTestId('tk-text')).waitForExist({ timeout: 20000, timeoutMsg: 'the ticket was not written' });
  const text = await browser.execute(() => document.querySelector('[data-testid="tk-text"]').value);
  assert.ok(text.toUpperCase().includes(staff.nom.toUpperCase()), text);
  assert.match(text, /Personnel, établissement/);
  const folders = readdirSync(saveDir).filter((n) => n.startsWith('ticket-'));
  assert.equal(folders.length, 1, `${readdirSync(saveDir)}`);
  const attached = readdirSync(join(saveDir, folders[0], 'pieces-jointes'));
  assert.ok(attached.includes('fiches.json') && attached.includes('journal.txt'), `${attached}`);
  await (await byTestId('tk-written')).scrollIntoView();
  await checked('ticket-written');
});

test('in English, the Annuaire and a fiche read without French leftovers or raw keys', async () => {
  const lang = await browser.$('#lang-select');
  await lang.selectByAttribute('value', 'en');
  await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === 'en');
  await (await byTestId('nav-annuaire')).click();
  await (await byTestId('dir-query')).waitForExist({ timeout: 20000 });
  assert.match(await (await browser.$('h1')).getText(), /Directory/);
  await type('dir-query', `${pupil[1]} ${pupil[3]}`);
  await browser.waitUntil(async () => (await rowsShown()).some((r) => r.includes(pupil[1].toUpperCase())), { timeout: 20000 });
  assert.match((await rowsShown())[0], /Pupil/);
  await (await browser.$('[data-testid="dir-row"] [data-testid="dir-open"]')).click();
  await (await byTestId('dir-fiche')).waitForExist({ timeout: 20000 });
  const fiche = await (await byTestId('dir-fiche')).getText();
  assert.match(fiche, /Where their information comes from/);
  assert.doesNotMatch(fiche, /\bdir\.\w/);
  assert.match(fiche, /imported on/);
  assert.doesNotMatch(fiche, /importé le/);
  await checked('english');
  // A guardian's children: where each link comes from, and where to correct it, in English.
  await (await browser.$('[data-testid="dir-responsables"] [data-testid="dir-link-open"]')).click();
  await browser.waitUntil(async () => (await browser.$('[data-testid="dir-children"]')).isExisting(), { timeout: 20000 });
  const children = await (await byTestId('dir-children')).getText();
  assert.match(children, /This link comes from SIECLE \(ResponsablesAvecAdresses\.xml\)/);
  assert.doesNotMatch(children, /Ce lien/);
  await lang.selectByAttribute('value', 'fr');
});
