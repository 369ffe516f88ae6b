// End to end, a whole folder at once: the demo collège's folder as
// `preau-cli demo --out` writes it (with truth.json, the encrypted EDT
// export, the élèves both plain and zipped). Every refusal shows in one
// report, nothing is written, then one click imports the acceptable files.
// The result table fits a 1280 px window and its box takes the keyboard; the
// header's selector and the home view give the establishment one name.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, delimiter } from 'node:path';
import { SCREENSHOTS, uaiFromDigits, workspace, startApp } from './harness.mjs';

const UAI = uaiFromDigits('0999001');

let ws;
let app;
let browser;
let byTestId;
let paths;

before(async () => {
  ws = workspace('preau-e2e-folder-');
  const out = join(ws.dataDir, 'demo-files');
  ws.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '7', '--out', out);
  paths = readdirSync(out).sort().map((n) => join(out, n));
  ws.env.PREAU_TEST_PICK = paths.join(delimiter);
  app = await startApp(ws.env, 'tauri-driver-folder.log');
  ({ browser, byTestId } = app);
  await browser.setWindowSize(1280, 1024);
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

/** How far the result table's box overflows sideways, and the page itself. */
async function overflow() {
  return browser.execute(() => {
    const wrap = document.querySelector('[data-testid="import-files-wrap"]');
    return {
      wrap: wrap ? wrap.scrollWidth - wrap.clientWidth : null,
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      focusable: wrap ? wrap.tabIndex === 0 : false,
    };
  });
}

test('a whole folder: every refusal at once, nothing written, then the acceptable files in one click', async () => {
  const journal = ws.cli('audit', 'verify', '--uai', UAI);
  await (await byTestId('nav-imports')).click();
  await (await byTestId('import-chooser')).waitForExist();
  await (await byTestId('import-choose')).click();
  await browser.waitUntil(async () => (await rowsData('import-file')).length === paths.length, { timeoutMsg: 'files not listed' });
  await (await byTestId('import-start')).click();

  const verdict = await byTestId('import-verdict');
  await verdict.waitForExist({ timeout: 60000, timeoutMsg: 'no verdict' });
  assert.equal(await verdict.getAttribute('data-committed'), 'false');
  await browser.waitUntil(async () => (await browser.execute(() => document.activeElement && document.activeElement.id)) === 'import-result-title', {
    timeoutMsg: 'focus never reached the result',
  });
  // The verdict comes to the top of the window, where the eye is.
  await browser.waitUntil(
    async () => browser.execute(() => document.querySelector('[data-testid="import-verdict"]').getBoundingClientRect().top < window.innerHeight / 3),
    { timeoutMsg: 'the verdict stayed out of sight', timeout: 5000 },
  );
  const refused = await rowsData('import-refused-item');
  const codes = new Map(refused.map((r) => [r.file, r.error]));
  assert.equal(codes.get('truth.json'), 'FORMAT_UNKNOWN', JSON.stringify(refused));
  assert.ok([...codes.values()].includes('FORMAT_EDT_ENCRYPTED'), JSON.stringify(refused));
  assert.ok([...codes.values()].includes('IMPORT_SAME_DATA_TWICE'), JSON.stringify(refused));
  // Every refusal in words, no raw code in what a person reads.
  const text = await verdict.getText();
  assert.match(text, /Rien n'a été écrit/);
  for (const code of codes.values()) assert.ok(!text.includes(code), `${code} shown raw: ${text}`);
  const table = await (await byTestId('import-files-table')).getText();
  for (const code of codes.values()) assert.ok(!table.includes(code), `${code} shown raw in the table`);
  assert.equal(ws.cli('audit', 'verify', '--uai', UAI), journal, 'nothing written');

  const o = await overflow();
  assert.equal(o.page, 0, 'no sideways scrolling of the page');
  assert.ok(o.wrap <= 0, `the result table overflows by ${o.wrap} px`);
  assert.ok(o.focusable, 'the result box takes the keyboard');
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-folder-refusals.png'));
  await browser.execute(() => document.querySelector('[data-testid="import-files-wrap"]').scrollIntoView({ block: 'start' }));
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-folder-refusals-table.png'));

  const skip = await byTestId('import-skip-refused');
  const acceptable = paths.length - refused.length;
  assert.match(await skip.getText(), new RegExp(`Importer les ${acceptable} fichiers acceptables`));
  await skip.click();
  await browser.waitUntil(async () => (await verdict.isExisting()) && (await (await byTestId('import-verdict')).getAttribute('data-committed')) === 'true', {
    timeout: 90000,
    timeoutMsg: 'the acceptable files were not imported',
  });
  const done = await byTestId('import-verdict');
  assert.equal(await done.getAttribute('data-refused'), String(refused.length));
  assert.match(await done.getText(), /sans les fichiers refusés/);
  // Each count with its own noun and number: « 1 ligne rejetée », « 0 ligne rejetée », « 12 lignes lues ».
  assert.match(await (await byTestId('import-verdict-counts')).getText(), /^\d+ fichiers enregistrés : [\d\s\u202f]+ lignes? lues?, [\d\s\u202f]+ lignes? rejetées?\.$/u);
  const rows = await rowsData('import-file-result');
  assert.equal(rows.filter((r) => r.applied === 'true').length, acceptable);
  assert.equal(rows.filter((r) => r.error).length, refused.length);
  assert.equal(await browser.execute(() => document.activeElement && document.activeElement.id), 'import-result-title');
  const after = await overflow();
  assert.equal(after.page, 0);
  assert.ok(after.wrap <= 0, `the result table overflows by ${after.wrap} px`);
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-folder-done.png'));
  await browser.execute(() => document.querySelector('[data-testid="import-files-wrap"]').scrollIntoView({ block: 'start' }));
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-folder-done-table.png'));

  // One name: the selector says what the home view says.
  const option = await browser.execute(() => {
    const s = document.getElementById('establishment-select');
    return s.options[s.selectedIndex].textContent;
  });
  await (await byTestId('nav-accueil')).click();
  const heading = await browser.$('[data-testid="establishment-name"]');
  await heading.waitForExist();
  const name = (await heading.getText()).replace(/\s*\(.*\)\s*$/, '');
  assert.ok(option.endsWith(name), `selector « ${option} », heading « ${name} »`);
  assert.match(name, /^Collège /);
});
