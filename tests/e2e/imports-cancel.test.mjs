// End to end, a long import: the progress bar moves while the file is read,
// the cancel button stops the work, and nothing is written. The long file is
// the demo's ENT directory export repeated (unique identifiers) to ~30 MB: long
// enough that the import is still running when the button is pressed on a
// loaded machine.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCREENSHOTS, uaiFromDigits, workspace, startApp } from './harness.mjs';

const UAI = uaiFromDigits('0999001');
const COPIES = 120;

let ws;
let app;
let browser;
let byTestId;
let bigFile;

/** The ENT directory export, its rows repeated COPIES times with their identifier suffixed. */
function bigDirectory(dir) {
  const source = readdirSync(dir).find((n) => /^export_annuaire_ENT.*\.csv$/i.test(n));
  assert.ok(source, 'the demo writes an ENT directory export');
  const [header, ...rows] = readFileSync(join(dir, source), 'utf8').split('\r\n').filter(Boolean);
  const out = [header];
  for (let k = 0; k < COPIES; k += 1) {
    for (const row of rows) {
      const end = row.indexOf('";');
      out.push(`${row.slice(0, end)}-${k}${row.slice(end)}`);
    }
  }
  const path = join(dir, 'annuaire_ENT_long.csv');
  writeFileSync(path, out.join('\r\n') + '\r\n');
  return path;
}

before(async () => {
  ws = workspace('preau-e2e-cancel-');
  const out = join(ws.dataDir, 'demo-files');
  ws.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '7', '--out', out);
  bigFile = bigDirectory(out);
  ws.env.PREAU_TEST_PICK = bigFile;
  app = await startApp(ws.env, 'tauri-driver-cancel.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

test('a long import shows its progress and can be cancelled, writing nothing', async () => {
  const journal = ws.cli('audit', 'verify', '--uai', UAI);
  await (await byTestId('nav-imports')).click();
  await (await byTestId('import-chooser')).waitForExist();
  await (await byTestId('import-choose')).click();
  await (await browser.$(`[data-testid="import-file"][data-path="${bigFile}"]`)).waitForExist();
  await (await byTestId('import-start')).click();

  // The bar moves while the file is read, and says which file.
  const bar = await byTestId('import-progress-bar');
  await browser.waitUntil(async () => Number(await bar.getProperty('value')) > 12, {
    timeout: 30000,
    interval: 100,
    timeoutMsg: 'the progress bar never moved',
  });
  const text = await (await byTestId('import-progress-text')).getText();
  assert.match(text, /Étape 2 sur 3 — lecture et enregistrement des fichiers ; en cours : annuaire_ENT_long\.csv/);
  assert.equal(await (await byTestId('import-start')).isEnabled(), false, 'no second import meanwhile');
  assert.equal(await (await byTestId('import-choose')).isEnabled(), false);
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-during.png'));

  await (await byTestId('import-cancel')).click();
  const cancelled = await byTestId('import-cancelled');
  await cancelled.waitForExist({ timeout: 30000, timeoutMsg: 'the import was not cancelled' });
  assert.match(await cancelled.getText(), /Import annulé : rien n'a été écrit/);
  assert.equal(await (await byTestId('import-progress')).isDisplayed(), false);
  // Nothing written: no batch, no journal entry; the file is still listed for a later try.
  await (await byTestId('history-empty')).waitForExist();
  assert.equal(ws.cli('audit', 'verify', '--uai', UAI), journal);
  assert.equal(await (await byTestId('import-start')).isEnabled(), true);
  await browser.saveScreenshot(join(SCREENSHOTS, 'imports-cancelled.png'));
});
