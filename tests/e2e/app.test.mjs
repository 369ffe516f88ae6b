// End to end: the built Préau binary, driven through tauri-driver and
// WebKitWebDriver (run under Xvfb: `xvfb-run -a npm test --prefix tests/e2e`).
// The truth is what preau-cli says about the same store; the test asserts on
// the DOM, never on pixels. Screenshots go to tests/e2e/screenshots/ (git-ignored).
//
// Env: PREAU_APP_BIN, PREAU_CLI_BIN, TAURI_DRIVER_BIN (defaults: target/debug/…, tauri-driver on PATH).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { remote } from 'webdriverio';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const APP_BIN = process.env.PREAU_APP_BIN || join(REPO, 'target', 'debug', 'preau');
const CLI_BIN = process.env.PREAU_CLI_BIN || join(REPO, 'target', 'debug', 'preau-cli');
const DRIVER_BIN = process.env.TAURI_DRIVER_BIN || 'tauri-driver';
const SCREENSHOTS = join(HERE, 'screenshots');

/** A valid UAI from 7 digits: the check letter is the number mod 23 over ABCDEFGHJKLMNPRSTUVWXYZ. */
function uaiFromDigits(digits) {
  return digits + 'ABCDEFGHJKLMNPRSTUVWXYZ'[Number(digits) % 23];
}

const COLLEGE = uaiFromDigits('0999001');
const LYCEE = uaiFromDigits('0999000'); // sorts first, so the selector must really change
const AREAS = [
  ['accueil', 'Accueil'],
  ['rentree', 'Rentrée'],
  ['rapprochement', 'Rapprochement'],
  ['qui-voit-qui', 'Qui voit qui'],
  ['groupes', 'Groupes'],
  ['synchronisation', 'Synchronisation'],
  ['journal', 'Journal'],
];

let dataDir;
let driver;
let browser;
let truth;
const env = { ...process.env };

function cli(...args) {
  return execFileSync(CLI_BIN, ['--data-dir', dataDir, ...args], { env, encoding: 'utf8' });
}

function freePort() {
  return new Promise((ok, fail) => {
    const server = net.createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function waitForPort(port, child, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tauri-driver exited early (${child.exitCode})`);
    const open = await new Promise((ok) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        ok(true);
      });
      socket.on('error', () => ok(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port}`);
}

/** Digits only: "1 234" (with narrow no-break spaces in fr-FR) → "1234". */
function digits(text) {
  return text.replace(/[\s\u202f\u00a0]/g, '');
}

function stopDriver() {
  if (!driver || driver.exitCode !== null) return;
  // tauri-driver runs WebKitWebDriver, which runs the app: end the whole group we started.
  try {
    process.kill(-driver.pid, 'SIGTERM');
  } catch {
    driver.kill('SIGTERM');
  }
}

// Safety net: never leave the driver (and the app under it) running if the run is cut short.
process.on('exit', stopDriver);

before(async () => {
  for (const [name, path] of [['PREAU_APP_BIN', APP_BIN], ['PREAU_CLI_BIN', CLI_BIN]]) {
    assert.ok(existsSync(path), `${name}: ${path} not found (build with cargo build first)`);
  }
  dataDir = mkdtempSync(join(tmpdir(), 'preau-e2e-'));
  env.PREAU_DATA_DIR = dataDir;
  env.PREAU_DB_KEY = randomBytes(32).toString('hex');

  cli('demo', '--uai', COLLEGE, '--kind', 'college', '--seed', '7');
  cli('demo', '--uai', LYCEE, '--kind', 'lycee', '--seed', '7');
  truth = JSON.parse(cli('status', '--uai', COLLEGE, '--json'));
  assert.equal(truth.uai, COLLEGE);
  assert.ok(truth.pupils > 0, 'the demo collège has pupils');

  const port = await freePort();
  const nativePort = await freePort();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const log = createWriteStream(join(SCREENSHOTS, 'tauri-driver.log'));
  driver = spawn(DRIVER_BIN, ['--port', String(port), '--native-port', String(nativePort)], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  driver.stdout.pipe(log);
  driver.stderr.pipe(log);
  await waitForPort(port, driver);

  // No browserName: WebKitWebDriver rejects every value tauri-driver does not rewrite.
  browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    waitforTimeout: 15000,
    capabilities: { 'tauri:options': { application: APP_BIN } },
  });
  // The webview keeps localStorage between runs: make sure the UI is in French.
  await (await byTestId('establishment-select')).waitForEnabled();
  const lang = await browser.$('#lang-select');
  if ((await lang.getValue()) !== 'fr') {
    await lang.selectByAttribute('value', 'fr');
    await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === 'fr');
  }
});

after(async () => {
  try {
    if (browser) await browser.deleteSession();
  } catch {
    // The session may already be gone; the driver is stopped below anyway.
  }
  stopDriver();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function byTestId(id) {
  return browser.$(`[data-testid="${id}"]`);
}

async function selectEstablishment(uai) {
  const select = await byTestId('establishment-select');
  await select.waitForEnabled();
  await select.selectByAttribute('value', uai);
  await browser.waitUntil(async () => (await (await byTestId('establishment-name')).getText()).includes(uai), {
    timeoutMsg: `home view never showed ${uai}`,
  });
}

test('the selector lists both demo establishments and switches between them', async () => {
  const select = await byTestId('establishment-select');
  await select.waitForEnabled();
  const values = await browser.execute(() =>
    Array.from(document.querySelectorAll('#establishment-select option')).map((o) => o.value),
  );
  assert.deepEqual(values, [LYCEE, COLLEGE]);
  await selectEstablishment(LYCEE);
  await selectEstablishment(COLLEGE);
  const remembered = await browser.execute(() => localStorage.getItem('preau.establishment'));
  assert.equal(remembered, COLLEGE);
});

test('the home view shows the store counts, as preau-cli reports them', async () => {
  await selectEstablishment(COLLEGE);
  assert.ok((await (await byTestId('establishment-name')).getText()).includes(truth.name));
  for (const key of ['pupils', 'responsables', 'teachers', 'staff', 'groups']) {
    const el = await byTestId(`count-${key}`);
    assert.equal(await el.getAttribute('data-value'), String(truth[key]), `${key} (data-value)`);
    assert.equal(digits(await el.getText()), String(truth[key]), `${key} (displayed)`);
  }
  const levels = Object.entries(truth.pupils_by_level);
  assert.ok(levels.length > 0);
  for (const [level, n] of levels) {
    const el = await byTestId(`count-level-${level}`);
    assert.equal(digits(await el.getText()), String(n), `level ${level}`);
  }
  // Same rows, same order as the store's level order.
  const shown = await browser.execute(() =>
    Array.from(document.querySelectorAll('[data-testid^="count-level-"]')).map((el) =>
      el.dataset.testid.replace('count-level-', ''),
    ),
  );
  assert.deepEqual(shown, levels.map(([level]) => level));
  assert.equal(await (await byTestId('error')).isExisting(), false);
  await browser.saveScreenshot(join(SCREENSHOTS, 'accueil.png'));
});

test('every area is reachable from the navigation and says what it is', async () => {
  for (const [id, heading] of AREAS) {
    await (await byTestId(`nav-${id}`)).click();
    const title = await browser.$(`[data-testid="view-${id}"] h1`);
    await title.waitForExist({ timeoutMsg: `no heading in ${id}` });
    assert.equal(await title.getText(), heading);
    assert.equal(await (await byTestId(`nav-${id}`)).getAttribute('aria-current'), 'page');
    assert.equal(await browser.getTitle(), `${heading} · Préau`);
    if (!['accueil', 'journal'].includes(id)) {
      assert.ok(await (await byTestId('coming-soon')).isExisting(), `${id} explains what will come`);
      const buttons = await browser.$$(`[data-testid="view-${id}"] button`);
      assert.equal(buttons.length, 0, `${id} has no fake buttons`);
    }
  }
  // Navigation moves focus to the new view's heading (screen readers announce it).
  const focused = await browser.execute(() => document.activeElement && document.activeElement.id);
  assert.equal(focused, 'view-title');
});

test('the journal lists the demo generation and its chain verifies', async () => {
  await (await byTestId('nav-journal')).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="journal-entry"]')).length >= 1, {
    timeoutMsg: 'no journal entry',
  });
  const actions = await browser.execute(() =>
    Array.from(document.querySelectorAll('[data-testid="journal-entry"]')).map((tr) => ({
      action: tr.dataset.action,
      text: tr.textContent,
    })),
  );
  const demo = actions.find((a) => a.action === 'DEMO_GENERATED');
  assert.ok(demo, `DEMO_GENERATED in ${JSON.stringify(actions.map((a) => a.action))}`);
  assert.ok(demo.text.includes('Génération d'), 'action translated into French');
  assert.match(demo.text, /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/, 'date as jj/mm/aaaa hh:mm');

  await (await byTestId('verify-integrity')).click();
  const verdict = await byTestId('verify-verdict');
  await verdict.waitForExist({ timeoutMsg: 'no verdict' });
  assert.equal(await verdict.getAttribute('data-ok'), 'true');
  assert.match(await verdict.getText(), /intacte/);
  await browser.saveScreenshot(join(SCREENSHOTS, 'journal.png'));
});

test('the keyboard reaches the skip link first', async () => {
  await (await byTestId('nav-accueil')).click();
  await browser.execute(() => {
    document.activeElement && document.activeElement.blur();
    window.scrollTo(0, 0);
  });
  await browser.keys('Tab');
  const focused = await browser.execute(() => document.activeElement && document.activeElement.id);
  assert.equal(focused, 'skip-link');
  await browser.keys('Enter');
  const afterSkip = await browser.execute(() => document.activeElement && document.activeElement.id);
  assert.equal(afterSkip, 'main');
});
