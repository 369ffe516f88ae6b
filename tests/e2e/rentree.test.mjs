// End to end, the rentrée on the demo establishment: July → September in
// the window, the checks turning green as the right files are imported
// (SIECLE, the Pronote identifiers, the timetable), the ENT settings are
// reported and the Pronote accounts are reconciled.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BIN, SCREENSHOTS, digits, uaiFromDigits, workspace, startApp } from './harness.mjs';
import { lookedAt } from './gate.mjs';

const UAI = uaiFromDigits('0999001');
let ws;
let app;
let browser;
let byTestId;
let files;
let saveDir;

const file = (name) => join(files, name);

before(async () => {
  ws = workspace('preau-e2e-rentree-');
  // The system's locale must not decide how dates read or are typed.
  Object.assign(ws.env, { LANG: 'C', LC_ALL: 'C' });
  files = join(ws.dataDir, 'demo-files');
  execFileSync(CLI_BIN, ['--data-dir', join(ws.dataDir, 'demo'), 'demo', '--uai', UAI, '--kind', 'college', '--seed', '14', '--out', files], { env: ws.env });
  // The establishment exists with its structures; nothing else is imported yet.
  ws.cli('import', '--uai', UAI, file('Structures.xml'), file('Nomenclature.xml'));
  saveDir = join(ws.dataDir, 'saved');
  mkdirSync(saveDir);
  ws.env.PREAU_TEST_SAVE = saveDir;
  app = await startApp(ws.env, 'tauri-driver-rentree.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

const check = (code) => browser.$(`[data-testid="rentree-check"][data-code="${code}"]`);
const ok = async (code) => (await (await check(code)).getAttribute('data-ok')) === 'true';
const count = async (code) => Number(digits(await (await (await check(code)).$('strong')).getText()));

/** "2026-07-05" → "05/07/2026", as a person types it. */
const fr = (iso) => iso.split('-').reverse().join('/');

/** Types the date (jj/mm/aaaa), and waits for the checklist drawn for it. */
async function on(date) {
  const input = await byTestId('rentree-date');
  await browser.execute((d) => {
    const el = document.querySelector('[data-testid="rentree-date"]');
    el.value = d;
    el.dispatchEvent(new Event('change'));
  }, fr(date));
  await browser.waitUntil(async () => (await input.getValue()) === fr(date), { timeout: 5000 });
  // The checklist drawn for that date, not the one before.
  await (await browser.$(`[data-testid="rentree-dashboard"][data-date="${date}"]`)).waitForExist({ timeout: 15000 });
}

/** A drill-down list: opened, its column titles and its rows' cells as shown. */
async function drillTable(code) {
  const drill = await browser.$(`[data-testid="rentree-drill"][data-code="${code}"]`);
  await (await drill.$('summary')).click();
  await browser.waitUntil(async () => (await drill.getAttribute('open')) !== null, { timeoutMsg: `${code}: the list did not open` });
  return browser.execute((el) => ({
    headers: [...el.querySelectorAll('thead th')].map((th) => th.textContent),
    rows: [...el.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
  }), drill);
}

/** Exports a drill-down list and reads the CSV back: header and rows, as cells. */
async function drillCsv(code) {
  for (const n of readdirSync(saveDir)) rmSync(join(saveDir, n));
  const button = await browser.$(`[data-testid="rentree-drill"][data-code="${code}"] [data-testid="rentree-export"]`);
  await button.scrollIntoView();
  await button.click();
  await browser.waitUntil(() => readdirSync(saveDir).some((n) => n.endsWith('.csv')), { timeout: 10000, timeoutMsg: `no CSV saved for ${code}` });
  const bytes = readFileSync(join(saveDir, readdirSync(saveDir).find((n) => n.endsWith('.csv'))));
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  return parseCsv(bytes.toString('utf8').slice(1));
}

/** Excel's CSV as written: ';' between cells, CRLF, quoted cells with "" inside. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ';') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 1; } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

const RAW = /\[object Object\]|undefined|NaN|null|[{}]|^\[|\b[A-Z]{2,4}\d{3,}/;

async function reopen() {
  await (await byTestId('nav-accueil')).click();
  await (await byTestId('nav-rentree')).click();
  await (await byTestId('rentree-dashboard')).waitForExist({ timeout: 20000 });
}

test('July → September: the checks turn green as the work is done', async () => {
  await (await byTestId('nav-rentree')).click();
  await (await byTestId('rentree-dashboard')).waitForExist({ timeout: 20000 });

  // Today, on an establishment created today: the date reads jj/mm/aaaa, and
  // the steps due before today (before Préau knew the establishment) are not late.
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  assert.equal(await (await byTestId('rentree-date')).getValue(), `${pad(now.getDate())}/${pad(now.getMonth() + 1)}/${now.getFullYear()}`);
  assert.equal((await browser.$$('[data-testid="rentree-step-late"]')).length, 0, 'nothing is late on the first day');
  if (now > new Date(2026, 6, 10)) {
    assert.ok((await browser.$$('[data-testid="rentree-step-before"]')).length > 0, 'the steps due before are said to be');
  }
  await browser.saveScreenshot(join(SCREENSHOTS, 'rentree-today.png'));

  // July, nothing imported: SIECLE is to do, and counting nothing is not a success.
  await on('2026-07-05');
  assert.equal(await ok('SIECLE_IMPORTED'), false);
  const siecleStep = await browser.$('[data-testid="rentree-step"][data-step="SIECLE_VERIFIE"]');
  assert.equal(await siecleStep.getAttribute('data-status'), 'a_faire');
  assert.match(await (await byTestId('rentree-period-juillet')).getText(), /période en cours/);

  ws.cli('import', '--uai', UAI, file('ElevesSansAdresses.xml'), file('ResponsablesAvecAdresses.xml'));
  await reopen();
  await on('2026-07-05');
  assert.equal(await ok('SIECLE_IMPORTED'), true, 'SIECLE imported: green');
  assert.equal(await ok('PUPIL_WITHOUT_CLASS'), false);
  assert.ok((await count('PUPIL_WITHOUT_CLASS')) > 0);
  // The pupils behind the count, named: « NOM Prénom », birth date jj/mm/aaaa; the CSV says the same.
  const pupils = await drillTable('PUPIL_WITHOUT_CLASS');
  assert.deepEqual(pupils.headers, ['Élève', 'Date de naissance', 'Classe']);
  assert.equal(pupils.rows.length, await count('PUPIL_WITHOUT_CLASS'));
  for (const [name, born] of pupils.rows) {
    assert.match(name, /^[A-ZÀ-Ÿ'’ -]+ [A-ZÀ-Ÿ][a-zà-ÿ'’ -]/, `a pupil named as a person: ${name}`);
    assert.match(born, /^\d{2}\/\d{2}\/\d{4}$/, `a birth date jj/mm/aaaa: ${born}`);
  }
  assert.deepEqual(await drillCsv('PUPIL_WITHOUT_CLASS'), [pupils.headers, ...pupils.rows]);
  // Responsables and the pupils they answer for, by name and class; links in words.
  const pairs = ['RESPONSABLE_NO_EMAIL', 'DUPLICATE_RESPONSABLE', 'PERSONNE_EN_CHARGE'];
  let read = 0;
  for (const code of pairs) {
    if (!(await (await browser.$(`[data-testid="rentree-drill"][data-code="${code}"]`)).isExisting())) continue;
    const list = await drillTable(code);
    assert.ok(list.rows.length > 0, code);
    for (const row of list.rows) {
      for (const cell of row) assert.doesNotMatch(cell, RAW, `${code}: « ${cell} »`);
    }
    const pupilsColumn = list.headers.findIndex((hd) => /^Élèves?/.test(hd));
    assert.ok(pupilsColumn >= 0, `${code}: a column names the pupils (${list.headers})`);
    assert.match(list.rows[0][pupilsColumn], /^[A-ZÀ-Ÿ'’ -]+ [A-ZÀ-Ÿ]/, `${code}: pupils by name`);
    if (code === 'PERSONNE_EN_CHARGE') {
      assert.ok(list.rows.every((r) => /^[a-zàâçéèêëîïôûù' ()…-]+$/.test(r[3])), `links in words: ${list.rows.map((r) => r[3])}`);
    }
    assert.deepEqual(await drillCsv(code), [list.headers, ...list.rows], `${code}: the CSV says what the window shows`);
    if (read === 0) {
      await (await browser.$(`[data-testid="rentree-drill"][data-code="${code}"]`)).scrollIntoView();
      await browser.saveScreenshot(join(SCREENSHOTS, 'rentree-drill.png'));
    }
    read += 1;
  }
  assert.ok(read > 0, `the demo has responsables to list (${pairs})`);
  assert.equal(await (await browser.$('[data-testid="rentree-step"][data-step="SIECLE_VERIFIE"]')).getAttribute('data-status'), 'bloque');
  await browser.saveScreenshot(join(SCREENSHOTS, 'rentree-july.png'));

  // August: the access embargo and the connector's version, reported; the Pronote identifiers.
  await on('2026-08-20');
  assert.equal(await ok('EMBARGO_DATES'), false);
  assert.equal(await ok('PRONOTE_VERSION'), false);
  // A date that does not exist is refused next to its field, in words, and nothing is saved.
  await browser.execute(() => { document.getElementById('rentree-embargo-pupils').value = '31/02/2026'; });
  await (await byTestId('rentree-save-settings')).click();
  const refused = await browser.$('#rentree-embargo-pupils-error');
  await refused.waitForDisplayed({ timeoutMsg: 'no message next to the field' });
  assert.match(await refused.getText(), /Ouverture de l'ENT aux élèves le.*31\/02\/2026.*jj\/mm\/aaaa/);
  assert.equal(await browser.execute(() => document.activeElement.id), 'rentree-embargo-pupils', 'the field takes the focus');
  assert.equal(await ok('EMBARGO_DATES'), false);

  // Dates typed jj/mm/aaaa; the rentrée is followed since July (the store was created today).
  await browser.execute(() => {
    const set = (id, v) => { document.getElementById(id).value = v; };
    set('rentree-embargo-pupils', '01/09/2026');
    set('rentree-embargo-parents', '31/08/2026');
    set('rentree-pronote-version', 'PRONOTE 2026');
    set('rentree-end', '15/07/2027');
    set('rentree-since', '01/07/2026');
  });
  await (await byTestId('rentree-save-settings')).click();
  await browser.waitUntil(async () => ok('EMBARGO_DATES'), { timeout: 10000, timeoutMsg: 'the embargo dates stay red' });
  assert.equal(await ok('PRONOTE_VERSION'), true);
  assert.equal(await ok('END_OF_YEAR_DATE'), true);
  assert.equal(await ok('PRONOTE_IMPORTED'), false);

  ws.cli('import', '--uai', UAI, file(`identifiants_pronote_${UAI}.csv`), file(`export_annuaire_ENT_${UAI}.csv`));
  await reopen();
  await on('2026-08-20');
  assert.equal(await ok('PRONOTE_IMPORTED'), true);
  const before = await count('RECONCILIATION_PRONOTE');
  assert.ok(before > 100, `Pronote accounts to reconcile: ${before}`);

  // The reconciliation, in its wizard: the automatic links applied.
  await (await byTestId('nav-rapprochement')).click();
  await (await byTestId('match-session')).waitForExist({ timeout: 90000 });
  // The step drawn first: applying while it still loads is a separate case.
  await (await byTestId('match-step-counts')).waitForExist({ timeout: 90000 });
  await (await byTestId('match-apply')).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="match-applied"], [data-testid="match-error"]')).length > 0, { timeout: 90000, timeoutMsg: 'applying never answered' });
  const failed = await browser.$$('[data-testid="match-error"]');
  assert.equal(failed.length, 0, failed.length ? await failed[0].getText() : '');
  await reopen();
  await on('2026-08-20');
  const after = await count('RECONCILIATION_PRONOTE');
  assert.ok(after < before / 5, `left to reconcile: ${before} → ${after}`);

  // September: the timetable.
  await on('2026-09-03');
  assert.equal(await ok('EDT_IMPORTED'), false);
  assert.match(await (await byTestId('rentree-period-septembre')).getText(), /période en cours/);
  ws.cli('import', '--uai', UAI, file(`sts_emp_${UAI}_2026.xml`), file(`Edt_To_TESTENT_${UAI}_Enclair.xml`));
  await reopen();
  await on('2026-09-03');
  assert.equal(await ok('EDT_IMPORTED'), true);
  assert.equal(await (await browser.$('[data-testid="rentree-step"][data-step="BLOCAGE_ACCES"]')).getAttribute('data-status'), 'fait');
  // The July step still blocked is late now.
  assert.match(await (await byTestId('rentree-due')).getText(), /en retard/);
  assert.ok(await (await byTestId('rentree-chart')).isExisting(), 'the findings across imports are charted');
  await browser.saveScreenshot(join(SCREENSHOTS, 'rentree-september.png'));

  // The CLI agrees with the window, and exits 1: pupils without a class still block.
  let out = '';
  try {
    ws.cli('check', 'rentree', '--uai', UAI, '--date', '2026-09-03', '--json');
    assert.fail('a blocking check fails: exit 1 expected');
  } catch (err) {
    assert.equal(err.status, 1, String(err.stderr));
    out = String(err.stdout);
  }
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.find((l) => l.step === 'SIECLE_VERIFIE').status, 'bloque');
  const embargo = lines.find((l) => l.step === 'BLOCAGE_ACCES');
  assert.equal(embargo.status, 'fait');
});

test('the year transition lists what will change before it is confirmed', async () => {
  // An intervening professional's account, made by hand: no file renews it.
  ws.cli('directory', 'create', '--uai', UAI, '--profil', 'invite', '--nom', 'INTERVENANTE', '--prenom', 'Zoé', '--jusqu-au', '2027-06-30', '--force');
  await (await byTestId('rentree-transition-open')).click();
  const preview = await byTestId('rentree-transition-preview');
  await preview.waitForExist({ timeout: 10000 });
  const text = await preview.getText();
  assert.match(text, /Passer de 2026 à 2027/);
  assert.match(await (await byTestId('rentree-hand-accounts')).getText(), /1 compte créé à la main[\s\S]*Zoé INTERVENANTE — jusqu'au 30\/06\/2027/);
  await lookedAt(browser, 'rentree-transition-hand');
  assert.match(digits(text), /\d+classesserontvidées/);
  await (await byTestId('rentree-transition-confirm')).click();
  await browser.waitUntil(async () => /2027-2028/.test(await (await byTestId('rentree-dashboard')).getText()), {
    timeout: 10000,
    timeoutMsg: 'the checklist did not move to the next year',
  });
});
