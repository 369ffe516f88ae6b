// End to end, the Imports view: the demo collège's files as the school would
// receive them (`preau-cli demo --out`), chosen through the test stand-in
// for the native dialog (PREAU_TEST_PICK), imported through the window. The
// truth is preau-cli: `import --json` on a copy of the same store for the
// per-file counts, `findings --json` on the app's store for the findings.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, delimiter } from 'node:path';
import { execFileSync } from 'node:child_process';
import { SCREENSHOTS, CLI_BIN, uaiFromDigits, digits, workspace, startApp } from './harness.mjs';

const UAI = uaiFromDigits('0999001');

// Which demo file stands for which format (the élèves come zipped, as SIECLE gives them).
const WANTED = [
  ['siecle-eleves', /^ExportXML_ElevesSansAdresses\.zip$/i, /^ElevesSansAdresses\.xml$/i],
  ['siecle-responsables', /^ResponsablesAvecAdresses\.xml$/i],
  ['siecle-structures', /^Structures\.xml$/i],
  ['siecle-nomenclature', /^Nomenclature\.xml$/i],
  ['sts', /^sts_emp.*\.xml$/i],
  ['edt', /^Edt_.*Enclair\.xml$/i],
];
// Pronote identifiers with defects put in on purpose, so that rows are rejected.
const FAULTY = 'identifiants_pronote_defauts.csv';

let ws;
let app;
let browser;
let byTestId;
let files; // [{ format, path, name }]
let expected; // file name → preau-cli import --json line
let saveDir;

function pickFiles(dir) {
  const names = readdirSync(dir);
  return WANTED.map(([format, ...patterns]) => {
    const name = patterns.map((re) => names.find((n) => re.test(n))).find(Boolean);
    assert.ok(name, `no ${format} file among ${names.join(', ')}`);
    return { format, name, path: join(dir, name) };
  });
}

/**
 * The demo's Pronote identifiers with faults: every 10th row an impossible
 * birth date, every 37th an unknown category, one row without identifier.
 */
function faultyPronote(dir) {
  const source = readdirSync(dir).find((n) => /^identifiants_pronote.*\.csv$/i.test(n));
  assert.ok(source, 'the demo writes Pronote identifiers');
  const lines = readFileSync(join(dir, source), 'utf8').split('\r\n');
  const out = lines.map((line, i) => {
    if (i === 0 || !line) return line;
    const cells = line.split(';');
    if (i === 5) cells[0] = '';
    else if (i % 37 === 0) cells[1] = 'Martien';
    else if (i % 10 === 0) cells[4] = '31/02/2013';
    return cells.join(';');
  });
  const path = join(dir, FAULTY);
  writeFileSync(path, out.join('\r\n'));
  return { format: 'pronote-ids', name: FAULTY, path };
}

function jsonLines(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

before(async () => {
  ws = workspace('preau-e2e-imports-');
  const out = join(ws.dataDir, 'demo-files');
  ws.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '7', '--out', out);
  files = [...pickFiles(out), faultyPronote(out)];

  // The same import, headless, on a copy of the store: what the window must show.
  const copy = join(ws.dataDir, 'copy');
  mkdirSync(copy);
  for (const name of readdirSync(ws.dataDir).filter((n) => n.startsWith(UAI))) {
    cpSync(join(ws.dataDir, name), join(copy, name));
  }
  const lines = jsonLines(
    execFileSync(CLI_BIN, ['--data-dir', copy, 'import', '--uai', UAI, ...files.map((f) => f.path), '--json'], {
      env: ws.env,
      encoding: 'utf8',
    }),
  );
  expected = new Map(lines.map((l) => [l.file, l]));
  for (const f of files) {
    const line = expected.get(f.name);
    assert.ok(line, `preau-cli reported ${f.name}`);
    assert.equal(line.error, undefined, `${f.name}: ${line.message}`);
    assert.equal(line.format, f.format, f.name);
    assert.ok(line.read > 0, `${f.name} has records`);
  }
  const faulty = expected.get(FAULTY);
  assert.ok(faulty.rejected > 100, `${FAULTY}: enough rejects for two pages (${faulty.rejected})`);
  assert.equal(faulty.rejects.length, faulty.rejected);

  saveDir = join(ws.dataDir, 'saved');
  mkdirSync(saveDir);
  ws.env.PREAU_TEST_PICK = files.map((f) => f.path).join(delimiter);
  ws.env.PREAU_TEST_SAVE = saveDir;
  app = await startApp(ws.env, 'tauri-driver-imports.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

async function openImports() {
  await (await byTestId('nav-imports')).click();
  await (await browser.$('[data-testid="view-imports"] h1')).waitForExist();
  await (await byTestId('import-chooser')).waitForExist();
}

async function rowsData(testid) {
  return browser.execute(
    (id) => Array.from(document.querySelectorAll(`[data-testid="${id}"]`)).map((el) => ({ ...el.dataset, text: el.textContent })),
    testid,
  );
}

async function pickAll() {
  await (await byTestId('import-choose')).click();
  await browser.waitUntil(async () => (await rowsData('import-file')).length === files.length, {
    timeoutMsg: 'the chosen files never showed',
  });
}

test('before importing: nothing chosen, no history, no findings', async () => {
  await openImports();
  assert.ok(await (await byTestId('import-no-file')).isExisting());
  assert.equal(await (await byTestId('import-start')).isEnabled(), false, 'nothing to import yet');
  await (await byTestId('history-empty')).waitForExist();
  await (await byTestId('findings-empty')).waitForExist();
  assert.equal(await (await byTestId('import-progress')).isDisplayed(), false);
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-before.png'));
});

test('the chosen files are listed, imported together, each with its format and counts', async () => {
  await openImports();
  await pickAll();
  const listed = (await rowsData('import-file')).map((r) => r.path);
  assert.deepEqual(listed, files.map((f) => f.path));

  await (await byTestId('import-start')).click();
  const verdict = await byTestId('import-verdict');
  await verdict.waitForExist({ timeout: 60000, timeoutMsg: 'no verdict' });
  assert.equal(await verdict.getAttribute('data-committed'), 'true', await verdict.getText());

  const rows = await rowsData('import-file-result');
  assert.equal(rows.length, files.length);
  for (const f of files) {
    const row = rows.find((r) => r.file === f.name);
    const truth = expected.get(f.name);
    assert.ok(row, `${f.name} in the result`);
    assert.equal(row.error, '', `${f.name}: ${row.text}`);
    assert.equal(row.applied, 'true');
    assert.equal(row.format, truth.format, `${f.name} format`);
    assert.equal(Number(row.read), truth.read, `${f.name} read`);
    assert.equal(Number(row.rejected), truth.rejected, `${f.name} rejected`);
  }
  // In French, with the ZIP entry and the encoding.
  const eleves = rows.find((r) => r.format === 'siecle-eleves');
  assert.match(eleves.text, /SIECLE élèves/);
  assert.match(eleves.text, /Dans l'archive : ElevesSansAdresses\.xml/);
  assert.match(eleves.text, /Encodage : /);
  assert.match(rows.find((r) => r.format === 'sts').text, /STS-Web/);
  // Focus went to the result, the list of chosen files is empty again.
  assert.equal(await browser.execute(() => document.activeElement && document.activeElement.id), 'import-result-title');
  assert.ok(await (await byTestId('import-no-file')).isExisting());

  // Every rejected row is listed (a page at a time), with its reason in French.
  const totalRejected = files.reduce((n, f) => n + expected.get(f.name).rejected, 0);
  const count = await byTestId('import-rejects-count');
  assert.equal(await count.getAttribute('data-total'), String(totalRejected));
  assert.equal(await count.getAttribute('data-shown'), String(totalRejected));
  assert.equal((await rowsData('import-rejects-row')).length, Math.min(totalRejected, 100));
  const reasons = new Set((await rowsData('import-rejects-row')).map((r) => r.reason));
  assert.ok(reasons.has('DATE_INVALID'), [...reasons].join());
  const dateRow = (await rowsData('import-rejects-row')).find((r) => r.reason === 'DATE_INVALID');
  assert.match(dateRow.text, /date de naissance invalide/);
  assert.match(dateRow.text, /31\/02\/2013/);
  // The history has one batch per file, dated jj/mm/aaaa hh:mm.
  await browser.waitUntil(async () => (await rowsData('history-row')).length === files.length, { timeoutMsg: 'history' });
  const history = await rowsData('history-row');
  for (const f of files) {
    const b = history.find((r) => r.file === f.name);
    assert.ok(b, `${f.name} in the history`);
    assert.equal(b.format, f.format);
    assert.equal(Number(b.read), expected.get(f.name).read);
    assert.match(b.text, /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
  }
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-after.png'));
});

test('the findings show the counts preau-cli reports, and expand into their lists', async () => {
  await openImports();
  const truth = jsonLines(ws.cli('findings', '--uai', UAI, '--json'));
  if (!truth.length) {
    await (await byTestId('findings-empty')).waitForExist();
    return;
  }
  await browser.waitUntil(async () => (await rowsData('finding')).length === truth.length, { timeoutMsg: 'findings' });
  const shown = await rowsData('finding');
  for (const f of truth) {
    const el = shown.find((s) => s.code === f.code);
    assert.ok(el, `${f.code} shown`);
    assert.equal(Number(el.count), f.count, f.code);
    assert.ok(digits(el.text).includes(String(f.count)), `${f.code} count displayed`);
    assert.ok(!el.text.includes(f.code), `${f.code} has a French label`);
  }
  // Open the first one with the keyboard: its items appear, a page at a time.
  const first = truth[0];
  const summary = await browser.$(`[data-testid="finding"][data-code="${first.code}"] summary`);
  await browser.execute((el) => el.focus(), summary);
  await browser.keys('Enter');
  assert.equal(await browser.execute((el) => el.parentElement.open, summary), true, 'Enter opens the finding');
  await browser.waitUntil(async () => (await rowsData('finding-item')).length > 0, { timeoutMsg: 'finding items' });
  assert.equal((await rowsData('finding-item')).length, Math.min(first.count, 100));
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-findings.png'));

  // Exported as CSV for Excel: BOM, ';', one line per item.
  await (await byTestId(`finding-export-${first.code}`)).click();
  await browser.waitUntil(() => readdirSync(saveDir).some((n) => n.endsWith('.csv')), { timeoutMsg: 'no CSV saved' });
  const name = readdirSync(saveDir).find((n) => n.endsWith('.csv'));
  const bytes = readFileSync(join(saveDir, name));
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  const lines = bytes.toString('utf8').slice(1).split('\r\n').filter(Boolean);
  assert.equal(lines.length, first.count + 1, 'header + one line per item');
  await browser.waitUntil(async () => (await (await byTestId('status')).getText()).includes('Fichier enregistré'));
});

test('the same file again is refused as already imported, and nothing is written', async () => {
  await openImports();
  const before = ws.cli('audit', 'verify', '--uai', UAI);
  await pickAll();
  // Keep only the élèves archive: remove the others with their own buttons.
  for (const f of files.slice(1)) {
    await (await browser.$(`[data-testid="import-file"][data-path="${f.path}"] [data-testid="import-remove"]`)).click();
  }
  assert.deepEqual((await rowsData('import-file')).map((r) => r.path), [files[0].path]);
  await (await byTestId('import-start')).click();
  const verdict = await byTestId('import-verdict');
  await browser.waitUntil(async () => (await verdict.isExisting()) && (await verdict.getAttribute('data-committed')) === 'false', {
    timeout: 30000,
    timeoutMsg: 'no refusal',
  });
  const [row] = await rowsData('import-file-result');
  assert.equal(row.error, 'IMPORT_ALREADY_IMPORTED');
  assert.match(row.text, /Fichier déjà importé/);
  assert.match(row.text, /déjà importé le \d{2}\/\d{2}\/\d{4}/);
  assert.match(await verdict.getText(), /Rien n'a été écrit/);
  // The refused file stays in the list, to be removed or fixed.
  assert.equal((await rowsData('import-file')).length, 1);
  assert.equal((await rowsData('history-row')).length, files.length, 'no new batch');
  assert.equal(ws.cli('audit', 'verify', '--uai', UAI), before, 'no new journal entry');
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-refused.png'));
});

test('the rejects can be filtered by reason and text, paged, and exported for Excel', async () => {
  await openImports();
  // The last import was a refusal: import the faulty file's rejects from the history instead.
  const history = await rowsData('history-row');
  const faulty = history.find((b) => b.file === FAULTY);
  const truth = expected.get(FAULTY);
  const button = await browser.$(`[data-testid="history-row"][data-batch="${faulty.batch}"] [data-testid="history-show-rejects"]`);
  await button.click();
  const count = await byTestId('batch-rejects-count');
  await count.waitForExist();
  assert.equal(await count.getAttribute('data-total'), String(truth.rejected));
  assert.equal(await browser.execute(() => document.activeElement && document.activeElement.id), 'batch-rejects-title');

  // Pages of 100 rows.
  assert.equal((await rowsData('batch-rejects-row')).length, 100);
  await (await byTestId('batch-rejects-table-next')).click();
  assert.equal((await rowsData('batch-rejects-row')).length, Math.min(100, truth.rejected - 100));
  assert.match(await (await byTestId('batch-rejects-table-page')).getText(), /Page 2 sur/);

  // By reason: the select lists the reasons in French.
  const byReason = (code) => truth.rejects.filter((r) => r.reason === code).length;
  const select = await byTestId('batch-rejects-filter-reason');
  const options = await browser.execute(
    (el) => Array.from(el.options).map((o) => o.textContent),
    select,
  );
  const category = options.find((o) => /catégorie/i.test(o));
  assert.ok(category, options.join(' | '));
  await select.selectByVisibleText(category);
  await browser.waitUntil(async () => (await count.getAttribute('data-shown')) === String(byReason('CATEGORY_UNKNOWN')), {
    timeoutMsg: 'reason filter',
  });
  // And by text, accents and case ignored.
  await select.selectByIndex(0);
  await (await byTestId('batch-rejects-filter-text')).setValue('31/02/2013');
  await browser.waitUntil(async () => (await count.getAttribute('data-shown')) === String(byReason('DATE_INVALID')), {
    timeoutMsg: 'text filter',
  });
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-rejects.png'));

  // The CSV holds what the filters show: BOM, ';', a header and one line per reject.
  const before = new Set(readdirSync(saveDir));
  await (await byTestId('batch-rejects-export')).click();
  await browser.waitUntil(() => readdirSync(saveDir).some((n) => !before.has(n)), { timeoutMsg: 'no CSV saved' });
  const name = readdirSync(saveDir).find((n) => !before.has(n));
  assert.match(name, /^rejets-0999001W-.*\.csv$/);
  const bytes = readFileSync(join(saveDir, name));
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  const lines = bytes.toString('utf8').slice(1).split('\r\n').filter(Boolean);
  assert.equal(lines[0], 'Fichier;Emplacement;Champ;Valeur;Motif;Code du motif');
  assert.equal(lines.length, byReason('DATE_INVALID') + 1);
  assert.ok(lines.slice(1).every((l) => l.startsWith(`${FAULTY};`) && l.endsWith(';DATE_INVALID')), lines[1]);
  await (await byTestId('batch-rejects-close')).click();
  assert.equal(await browser.execute(() => document.activeElement && document.activeElement.dataset.testid), 'history-show-rejects');
});
