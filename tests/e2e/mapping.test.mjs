// End to end, how a real school starts: an empty data folder, a new
// establishment created from its UAI through the form, then a Pronote
// export whose column titles Préau does not know (the core's fixture
// pronote_unmapped.csv), mapped by hand in the Imports view and saved as a
// preset; a second file with the same columns is then read with that preset
// without asking. The truth is preau-cli on the same store.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, delimiter } from 'node:path';
import { REPO, SCREENSHOTS, uaiFromDigits, workspace, startApp } from './harness.mjs';

const UAI = uaiFromDigits('0999001');
const PRESET = 'Export du secrétariat';
const FIXTURE = join(REPO, 'src-tauri', 'core', 'tests', 'fixtures', 'csv', 'pronote_unmapped.csv');
// The file's columns, in its order, and the field each one is.
const HEADER = ["N° utilisateur", 'Population', "Nom de l'usager", 'Prénom*', 'Jour de naissance'];
const FIELDS = ['pronote_id', 'category', 'last_name', 'first_name', 'birth_date'];

let ws;
let app;
let browser;
let byTestId;
let first; // the fixture, as the secretary's office sent it
let second; // next term's file: same columns, other people

before(async () => {
  ws = workspace('preau-e2e-mapping-');
  const dir = join(ws.dataDir, 'exports');
  mkdirSync(dir);
  first = join(dir, 'export_secretariat.csv');
  copyFileSync(FIXTURE, first);
  second = join(dir, 'export_secretariat_janvier.csv');
  writeFileSync(
    second,
    [HEADER.join(';'), 'ZZZ8NTH4DPQ3SYU7;Élève;MARTIN;Léa;05/06/2013', 'YYY1B2C3D4E5F6G7;Responsable;MARTIN;Paul;', ''].join('\r\n'),
  );
  ws.env.PREAU_TEST_PICK = [first, second].join(delimiter);
  app = await startApp(ws.env, 'tauri-driver-mapping.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

async function rowsData(testid) {
  return browser.execute(
    (id) => Array.from(document.querySelectorAll(`[data-testid="${id}"]`)).map((el) => ({ ...el.dataset, text: el.textContent })),
    testid,
  );
}

/** The text that describes a control (aria-describedby), as a screen reader reads it. */
async function description(selector) {
  return browser.execute((sel) => {
    const el = document.querySelector(sel);
    const ids = ((el && el.getAttribute('aria-describedby')) || '').split(/\s+/).filter(Boolean);
    return ids.map((id) => (document.getElementById(id) || {}).textContent || '').join(' ');
  }, selector);
}

async function focusedTestId() {
  return browser.execute(() => document.activeElement && (document.activeElement.dataset.testid || document.activeElement.id));
}

/** Keeps one path in the chosen list, removing the other with its own button. */
async function chooseOnly(keep) {
  await (await byTestId('import-choose')).click();
  await browser.waitUntil(async () => (await rowsData('import-file')).length === 2, { timeoutMsg: 'both files listed' });
  const other = keep === first ? second : first;
  await (await browser.$(`[data-testid="import-file"][data-path="${other}"] [data-testid="import-remove"]`)).click();
  assert.deepEqual((await rowsData('import-file')).map((r) => r.path), [keep]);
}

/** Imports the chosen file and waits for its result (not the previous import's, still in the page meanwhile). */
async function importAndWait(path) {
  await (await byTestId('import-start')).click();
  const result = await byTestId('import-result');
  await browser.waitUntil(
    async () => (await result.isDisplayed()) && (await rowsData('import-file-result')).map((r) => r.file).join() === basename(path),
    { timeout: 30000, timeoutMsg: `no result for ${basename(path)}` },
  );
  const [verdict] = await rowsData('import-verdict');
  return verdict;
}

function stores() {
  return readdirSync(ws.dataDir).filter((n) => n.endsWith('.preau'));
}

test('an empty data folder offers to create an establishment, and the UAI is checked', async () => {
  const empty = await byTestId('empty-state');
  await empty.waitForExist();
  assert.equal(await (await byTestId('establishment-select')).isEnabled(), false);
  await browser.saveScreenshot(join(SCREENSHOTS, 'mapping-empty.png'));
  await (await byTestId('empty-new-establishment')).click();
  await (await byTestId('new-establishment-form')).waitForExist();
  assert.equal(await browser.getTitle(), 'Nouvel établissement · Préau');
  assert.match(await (await byTestId('view-nouvel-etablissement')).getText(), /exports/);

  const input = await byTestId('new-uai');
  const submit = await byTestId('new-establishment-submit');
  const error = await byTestId('new-uai-error');
  // A wrong check letter: the core's verdict, in French, tied to the field.
  await input.setValue('0999001A');
  await submit.click();
  await error.waitForDisplayed({ timeoutMsg: 'no error for a wrong check letter' });
  assert.match(await error.getText(), /lettre de contrôle/);
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.equal(await input.getAttribute('data-code'), 'UAI_CHECK_LETTER');
  assert.match(await description('#new-uai'), /lettre de contrôle/);
  assert.equal(await focusedTestId(), 'new-uai');
  await browser.saveScreenshot(join(SCREENSHOTS, 'mapping-uai-error.png'));
  // A wrong shape.
  await input.setValue('12345');
  await submit.click();
  await browser.waitUntil(async () => (await input.getAttribute('data-code')) === 'UAI_SHAPE', { timeoutMsg: 'no shape error' });
  assert.match(await error.getText(), /7 chiffres suivis d'une lettre/);
  assert.deepEqual(stores(), [], 'nothing created');

  // The right one: created, selected, and the Imports view says where the data comes from.
  await input.setValue('0999001w');
  await submit.click();
  await (await byTestId('view-imports')).waitForExist({ timeoutMsg: 'the Imports view did not open' });
  const select = await byTestId('establishment-select');
  await select.waitForEnabled();
  assert.equal(await select.getValue(), UAI);
  const fresh = await byTestId('imports-first-time');
  await fresh.waitForDisplayed({ timeoutMsg: 'no first-time notice' });
  assert.match(await fresh.getText(), /0999001W n'a encore aucune donnée/);
  assert.match(await fresh.getText(), /exports/);
  await browser.waitUntil(async () => (await (await byTestId('status')).getText()).includes('Établissement 0999001W créé'), {
    timeoutMsg: 'the creation was not announced',
  });
  await (await byTestId('presets-empty')).waitForExist();
  assert.deepEqual(stores(), [`${UAI}.preau`]);
  assert.ok(existsSync(join(ws.dataDir, `${UAI}.preau`)));
  assert.equal(JSON.parse(ws.cli('status', '--uai', UAI, '--json')).pupils, 0);
  await browser.saveScreenshot(join(SCREENSHOTS, 'mapping-new-establishment.png'));

  // The home view of an establishment without data says so.
  await (await byTestId('nav-accueil')).click();
  const name = await byTestId('establishment-name');
  await name.waitForExist();
  assert.equal(await name.getText(), 'Établissement 0999001W (aucune donnée importée)');
  assert.ok(await (await byTestId('home-no-data')).isExisting());
  await browser.saveScreenshot(join(SCREENSHOTS, 'mapping-home-no-data.png'));
});

test('an unrecognised CSV is mapped by hand, saved as a preset, and imported', async () => {
  await (await byTestId('nav-imports')).click();
  await (await byTestId('import-chooser')).waitForExist();
  await chooseOnly(first);
  const verdict = await importAndWait(first);
  assert.equal(verdict.committed, 'false');
  const [row] = await rowsData('import-file-result');
  assert.equal(row.error, 'FORMAT_UNKNOWN');
  assert.match(await (await byTestId('import-mapping-hint')).getText(), /Associer les colonnes/);

  const open = await byTestId('import-map');
  assert.equal(await open.getText(), 'Associer les colonnes…');
  await open.click();
  const form = await byTestId('mapping-form');
  await form.waitForExist();
  assert.equal(await browser.execute(() => document.activeElement && document.activeElement.id), 'mapping-title');
  assert.match(await (await browser.$('#mapping-title')).getText(), /export_secretariat\.csv/);
  // The table with the most required columns recognised is chosen: Pronote.
  const checked = await browser.execute(() => document.querySelector('[data-testid="mapping-table"]:checked').value);
  assert.equal(checked, 'pronote-ids');
  // Each field offers the file's columns; Préau's guesses are preselected.
  const fields = await rowsData('mapping-field');
  assert.deepEqual(fields.map((f) => f.field).slice(0, FIELDS.length), FIELDS);
  const options = await browser.execute(() =>
    Array.from(document.querySelectorAll('#map-pronote_id option')).map((o) => o.textContent),
  );
  assert.equal(options[0], '— non utilisée —');
  assert.deepEqual(options.slice(1).map((o) => o.replace(/ \(colonne \d+\)$/, '')), HEADER);
  assert.equal(await (await browser.$('#map-category')).getValue(), '1');
  assert.equal(await (await browser.$('#map-first_name')).getValue(), '3');
  assert.equal(await (await browser.$('#map-pronote_id')).getValue(), '');
  assert.match(fields.find((f) => f.field === 'pronote_id').text, /obligatoire/);
  assert.doesNotMatch(fields.find((f) => f.field === 'birth_date').text, /obligatoire/);

  // Sent incomplete: every problem is said, next to its field and in a summary.
  await (await byTestId('mapping-submit')).click();
  const summary = await byTestId('mapping-errors');
  await summary.waitForDisplayed();
  assert.equal(await focusedTestId(), 'mapping-errors');
  assert.match(await summary.getText(), /3 erreurs/);
  const errors = await rowsData('mapping-field-error');
  assert.deepEqual(errors.filter((e) => e.text).map((e) => e.field), ['pronote_id', 'last_name']);
  assert.match(await description('#map-pronote_id'), /choisissez une colonne, cette information est obligatoire/);
  assert.match(await summary.getText(), /Identifiant : choisissez une colonne/);
  assert.equal(await (await browser.$('#map-pronote_id')).getAttribute('aria-invalid'), 'true');
  assert.match(await description('#mapping-name'), /donnez un nom au modèle/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'mapping-errors.png'));
  // A column used twice is refused too, on both fields (either may be the mistake).
  await (await browser.$('#map-pronote_id')).selectByAttribute('value', '1');
  await (await browser.$('#map-last_name')).selectByAttribute('value', '2');
  await (await byTestId('mapping-submit')).click();
  await browser.waitUntil(async () => /« Population » est aussi associée à « Catégorie »/.test(await description('#map-pronote_id')), {
    timeoutMsg: 'no error for a column used twice',
  });
  assert.match(await description('#map-category'), /« Population » est aussi associée à « Identifiant »/);
  assert.equal(await (await browser.$('#map-last_name')).getAttribute('aria-invalid'), null);
  assert.match(await summary.getText(), /3 erreurs/); // the two fields, and the name still missing

  // Right this time.
  await (await browser.$('#map-pronote_id')).selectByAttribute('value', '0');
  await (await browser.$('#map-birth_date')).selectByAttribute('value', '4');
  await (await byTestId('mapping-name')).setValue(PRESET);
  await browser.saveScreenshot(join(SCREENSHOTS, 'mapping-form.png'));
  await (await byTestId('mapping-submit')).click();
  await browser.waitUntil(
    async () => {
      const v = await rowsData('import-verdict');
      return v.length === 1 && v[0].committed === 'true';
    },
    { timeout: 30000, timeoutMsg: 'the mapped file was not imported' },
  );
  const [done] = await rowsData('import-file-result');
  assert.equal(done.format, 'pronote-ids');
  assert.equal(done.preset, PRESET);
  assert.equal(done.read, '2');
  assert.equal(done.rejected, '0');
  assert.match(done.text, /lu avec le modèle « Export du secrétariat »/);
  assert.match(done.text, /Identifiants Pronote/);
  assert.equal(await (await byTestId('import-mapping')).isExisting(), false, 'the form is gone');
  // The preset is listed, with its table and date.
  const presets = await rowsData('preset-row');
  assert.equal(presets.length, 1);
  assert.equal(presets[0].name, PRESET);
  assert.equal(presets[0].format, 'pronote-ids');
  assert.match(presets[0].text, /Identifiants Pronote \(CSV\)/);
  assert.match(presets[0].text, /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
  await browser.waitUntil(async () => (await rowsData('history-row')).length === 1, { timeoutMsg: 'history' });
  assert.equal((await rowsData('history-row'))[0].format, 'pronote-ids');
  assert.equal(await (await byTestId('imports-first-time')).isDisplayed(), false);
  await browser.saveScreenshot(join(SCREENSHOTS, 'mapping-imported.png'));
});

test('a second file with the same columns is read with the saved preset by itself', async () => {
  await (await byTestId('nav-imports')).click();
  await (await byTestId('import-chooser')).waitForExist();
  await chooseOnly(second);
  const verdict = await importAndWait(second);
  assert.equal(verdict.committed, 'true', verdict.text);
  const [row] = await rowsData('import-file-result');
  assert.equal(row.file, 'export_secretariat_janvier.csv');
  assert.equal(row.format, 'pronote-ids');
  assert.equal(row.preset, PRESET);
  assert.equal(row.read, '2');
  assert.match(row.text, /lu avec le modèle « Export du secrétariat »/);
  assert.equal(await (await byTestId('import-map')).isExisting(), false, 'nothing to map');
  // The journal has the creation, the preset and the two imports (the refused one wrote nothing).
  assert.match(ws.cli('audit', 'verify', '--uai', UAI), /journal intègre : 4 entrées vérifiées/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'mapping-preset-applied.png'));
});
