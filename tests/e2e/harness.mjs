// What every end-to-end file needs: the binaries, a throw-away data folder
// with its key, preau-cli over it, and the app started under tauri-driver
// (WebKitWebDriver) with a WebdriverIO session. Run under Xvfb:
// `xvfb-run -a npm test --prefix tests/e2e`.
//
// Env: PREAU_APP_BIN, PREAU_CLI_BIN, TAURI_DRIVER_BIN (defaults: target/debug/…, tauri-driver on PATH).

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
export const REPO = resolve(HERE, '..', '..');
export const APP_BIN = process.env.PREAU_APP_BIN || join(REPO, 'target', 'debug', 'preau');
export const CLI_BIN = process.env.PREAU_CLI_BIN || join(REPO, 'target', 'debug', 'preau-cli');
const DRIVER_BIN = process.env.TAURI_DRIVER_BIN || 'tauri-driver';
export const SCREENSHOTS = join(HERE, 'screenshots');

/** A valid UAI from 7 digits: the check letter is the number mod 23 over ABCDEFGHJKLMNPRSTUVWXYZ. */
export function uaiFromDigits(digits) {
  return digits + 'ABCDEFGHJKLMNPRSTUVWXYZ'[Number(digits) % 23];
}

/** Digits only: "1 234" (with narrow no-break spaces in fr-FR) → "1234". */
export function digits(text) {
  return text.replace(/[\s\u202f\u00a0]/g, '');
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

async function waitForPort(port, child, timeoutMs = 15000, what = 'tauri-driver') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited early (${child.exitCode})`);
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
  throw new Error(`${what} did not listen on ${port}`);
}

/**
 * The SCIM peer (scim2-server from the project's venv, with the project's
 * schema files) on a free port of 127.0.0.1; returns { url, token, stop }.
 */
export async function startPeer() {
  const server = process.env.PREAU_SCIM_SERVER || join(REPO, 'target', 'peer-venv', 'bin', 'scim2-server');
  assert.ok(existsSync(server), `${server} not found (cargo xtask setup)`);
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const scim = join(REPO, 'src-tauri', 'core', 'scim');
  const child = spawn(
    server,
    ['--hostname', '127.0.0.1', '--port', String(port), '--bearer-token', token,
      '--schema', join(scim, 'schemas.json'), '--resource-type', join(scim, 'resource-types.json')],
    { stdio: 'ignore' },
  );
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('exit', stop);
  await waitForPort(port, child, 60000, 'scim2-server');
  return { url: `http://127.0.0.1:${port}/v2`, token, stop };
}

/**
 * A data folder with a fresh store key, and preau-cli over it. `env` is what
 * the app will be started with (add test variables to it before start()).
 */
export function workspace(prefix) {
  for (const [name, path] of [['PREAU_APP_BIN', APP_BIN], ['PREAU_CLI_BIN', CLI_BIN]]) {
    assert.ok(existsSync(path), `${name}: ${path} not found (build with cargo build first)`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const env = { ...process.env, PREAU_DATA_DIR: dataDir, PREAU_DB_KEY: randomBytes(32).toString('hex') };
  const cli = (...args) => execFileSync(CLI_BIN, ['--data-dir', dataDir, ...args], { env, encoding: 'utf8' });
  return { dataDir, env, cli, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** Starts tauri-driver and the app under it; returns { browser, byTestId, stop }. */
export async function startApp(env, logName) {
  const port = await freePort();
  // Two ports freed one after the other may be the same one: ask again until they differ.
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const log = createWriteStream(join(SCREENSHOTS, logName));
  const driver = spawn(DRIVER_BIN, ['--port', String(port), '--native-port', String(nativePort)], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  driver.stdout.pipe(log);
  driver.stderr.pipe(log);
  const stopDriver = () => {
    if (driver.exitCode !== null) return;
    // tauri-driver runs WebKitWebDriver, which runs the app: end the whole group we started.
    try {
      process.kill(-driver.pid, 'SIGTERM');
    } catch {
      driver.kill('SIGTERM');
    }
  };
  // Safety net: never leave the driver (and the app under it) running if the run is cut short.
  process.on('exit', stopDriver);
  await waitForPort(port, driver);

  // No browserName: WebKitWebDriver rejects every value tauri-driver does not rewrite.
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    waitforTimeout: 15000,
    capabilities: { 'tauri:options': { application: APP_BIN } },
  });
  const byTestId = (id) => browser.$(`[data-testid="${id}"]`);
  // The list of establishments has loaded (the selector stays disabled when the data folder is empty).
  // (Or the passphrase is asked first, on a PC without a keychain.)
  await browser.waitUntil(() => browser.execute(() => !document.querySelector('#establishment-select [data-i18n]') || !!document.querySelector('[data-testid="unlock-form"]')), {
    timeoutMsg: 'the establishment list never loaded',
  });
  // The webview keeps localStorage between runs: make sure the UI is in French.
  const lang = await browser.$('#lang-select');
  if ((await lang.getValue()) !== 'fr') {
    await lang.selectByAttribute('value', 'fr');
    await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === 'fr');
  }
  return {
    browser,
    byTestId,
    async stop() {
      try {
        await browser.deleteSession();
      } catch {
        // The session may already be gone; the driver is stopped below anyway.
      }
      stopDriver();
    },
  };
}

/**
 * The two changes the connectors' tests deliver, made in their wizards:
 * Parent → « Mon établissement › Direction » closed in Qui voit qui, and
 * « Tous les élèves de 3e » made from its template in Groupes.
 */
export async function closeEyeAndMakeGroup(browser, byTestId) {
  const direction = 'Mon établissement/Direction';
  const cell = () => browser.$(`[data-testid="vis-cell"][data-profile="Parent"][data-node="${direction}"]`);
  await (await byTestId('nav-qui-voit-qui')).click();
  await (await byTestId('vis-grid')).waitForExist({ timeout: 20000 });
  await (await cell()).click();
  await (await byTestId('vis-apply')).waitForExist({ timeout: 10000 });
  await (await byTestId('vis-apply')).click();
  await browser.waitUntil(async () => (await (await cell()).getAttribute('aria-pressed')) === 'false', {
    timeout: 10000,
    timeoutMsg: 'the eye did not close',
  });
  await (await byTestId('nav-groupes')).click();
  const template = await byTestId('grp-template');
  await template.waitForExist({ timeout: 20000 });
  await template.selectByAttribute('value', 'eleves-3e');
  await (await byTestId('grp-create')).click();
  await browser.waitUntil(async () => (await (await byTestId('grp-detail')).getText()).includes('Tous les élèves de 3e'), {
    timeout: 15000,
    timeoutMsg: 'the group was not made',
  });
}
