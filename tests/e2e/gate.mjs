// The accessibility and text gate every view must pass: axe-core's WCAG 2.1
// A and AA rules, run inside the app's webview, and what a person reads (text
// and accessible names) free of « [object Object] », « undefined », « NaN »
// and the program's own codes.

import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { REPO, SCREENSHOTS } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Every view module of the UI (a new one is checked without touching this file). */
export function viewIds() {
  return readdirSync(join(REPO, 'ui', 'js', 'views'))
    .filter((f) => f.endsWith('.js') && f !== 'common.js')
    .map((f) => f.replace(/\.js$/, ''))
    .sort();
}

const CODE_SHAPE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

function walkKeys(node, out) {
  for (const [key, value] of Object.entries(node)) {
    if (CODE_SHAPE.test(key)) out.add(key);
    if (value && typeof value === 'object') walkKeys(value, out);
  }
}

function rustFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...rustFiles(path));
    else if (entry.name.endsWith('.rs')) out.push(path);
  }
  return out;
}

const CODE = '[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+';
/** Where the Rust sources name a code: errors, warnings and alerts, audit actions, code constants. */
const CODE_SITES = [
  /IpcError::new\(\s*"([A-Z][A-Z0-9_]+)"/g,
  new RegExp(`\\bcode:\\s*"(${CODE})"`, 'g'),
  new RegExp(`\\bwarn\\(\\s*"(${CODE})"`, 'g'),
  new RegExp(`\\b(?:append|append_audit|replace_population)\\([^;]*?"(${CODE})"`, 'g'),
  new RegExp(`\\bconst (${CODE}): &str = "\\1"`, 'g'),
];

/**
 * The program's codes, taken from the code: every code-shaped key of the
 * French strings (errors, findings, rejects, warnings…), and every code the
 * Rust sources answer with, warn with or journal (CODE_SITES), and every code
 * an `ErrorCode` implementation of the core returns.
 */
export function programCodes() {
  const codes = new Set();
  const fr = JSON.parse(readFileSync(join(REPO, 'ui', 'i18n', 'fr.json'), 'utf8'));
  walkKeys(fr, codes);
  for (const key of Object.keys(fr.errors)) if (key !== 'generic') codes.add(key);
  const src = join(REPO, 'src-tauri');
  for (const file of [...rustFiles(join(src, 'src')), ...rustFiles(join(src, 'core', 'src'))]) {
    const text = readFileSync(file, 'utf8');
    for (const re of CODE_SITES) for (const m of text.matchAll(re)) codes.add(m[1]);
    if (/impl\s+(?:crate::|preau_core::)?ErrorCode\s+for/.test(text)) {
      for (const m of text.matchAll(/=>\s*"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"/g)) codes.add(m[1]);
    }
  }
  return [...codes].sort();
}

/** Waits until the view has finished drawing: no « Chargement… » and the DOM still for a moment. */
export async function settle(browser, timeout = 30000) {
  const deadline = Date.now() + timeout;
  let last = null;
  let still = 0;
  while (Date.now() < deadline) {
    const now = await browser.execute(() => {
      const view = document.getElementById('view');
      if (!view || view.querySelector('.loading')) return null;
      return `${document.body.getElementsByTagName('*').length}:${document.body.textContent.length}`;
    });
    if (now !== null && now === last) {
      still += 1;
      if (still >= 2) return;
    } else {
      still = 0;
    }
    last = now;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('the view never settled');
}

/** axe-core's WCAG 2.1 A/AA violations in the window, each as « rule (impact): help — targets ». */
export async function axeViolations(browser) {
  const loaded = await browser.execute(() => typeof window.axe === 'object');
  if (!loaded) {
    // The app's CSP may refuse a <script>: the source runs as the WebDriver script itself.
    await browser.execute(`${AXE_SOURCE}\n;window.axe = window.axe || axe; return true;`);
  }
  const json = await browser.executeAsync((tags, done) => {
    window.axe
      .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
      .then((r) => done(JSON.stringify(r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ').slice(0, 200)}]` : ''}`),
      })))))
      .catch((e) => done(JSON.stringify({ error: String(e) })));
  }, AXE_TAGS);
  const result = JSON.parse(json);
  if (result.error) throw new Error(`axe-core failed: ${result.error}`);
  return result.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 8).join(' | ')}${v.nodes.length > 8 ? ` (+${v.nodes.length - 8})` : ''}`);
}

/** What a person reads or hears: text nodes, accessible-name attributes, the window title. */
export async function readableTexts(browser) {
  return browser.execute(() => {
    const out = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.parentElement && n.parentElement.closest('script, style, noscript, template') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.data.trim()) out.push(n.data.trim());
    for (const el of document.body.querySelectorAll('[aria-label], [title], [alt], [placeholder], [aria-description], [aria-valuetext]')) {
      for (const a of ['aria-label', 'title', 'alt', 'placeholder', 'aria-description', 'aria-valuetext']) {
        const v = el.getAttribute(a);
        if (v && v.trim()) out.push(v.trim());
      }
    }
    for (const el of document.body.querySelectorAll('input[type="button"], input[type="submit"], input:not([type="password"])')) {
      if (el.value) out.push(el.value);
    }
    return out;
  });
}

// Words ending in s that are singular or invariable: « 1 mois », « 1 sans classe ».
const SINGULAR_S = new Set(['mois', 'fois', 'cas', 'pas', 'plus', 'dans', 'sous', 'sans', 'vers', 'après', 'avis', 'temps', 'accès', 'succès', 'refus', 'os']);

/**
 * A count read with the wrong number: « compte(s) », or 1 before a plural
 * (« 1 comptes »). Zero before a plural is left alone: French accepts both.
 */
function pluralProblem(text) {
  const hedged = /[A-Za-zÀ-ÿ]\(s\)/.exec(text);
  if (hedged) return hedged[0];
  for (const m of text.matchAll(/(?<![\d.,:/-])(?<!\d[\s\u00a0\u202f])(1)[\s\u00a0\u202f]([a-zà-ÿ]+s)\b/g)) {
    if (!SINGULAR_S.has(m[2])) return m[0];
  }
  return null;
}

/** The texts that show a program's inside: « [object Object] », « undefined », « NaN », « null », a code; or a count with the wrong plural. */
export function textProblems(texts, codes) {
  const words = [/\[object [A-Za-z]+\]/, /\bundefined\b/, /\bNaN\b/, /\bnull\b/];
  const codeRe = new RegExp(`(?<![A-Za-z0-9_])(?:${codes.join('|')})(?![A-Za-z0-9_])`);
  const problems = [];
  for (const text of texts) {
    const hit = words.find((re) => re.test(text)) || (codeRe.test(text) ? codeRe : null);
    if (hit) problems.push(`${text.match(hit)[0]} in « ${text.slice(0, 160)} »`);
    const plural = hit ? null : pluralProblem(text);
    if (plural) problems.push(`plural « ${plural} » in « ${text.slice(0, 160)} »`);
  }
  return problems;
}

/**
 * A state looked at as its user would: once settled, no axe-core violation,
 * no raw code or broken text, and a screenshot `<name>.png` to read.
 */
export async function lookedAt(browser, name) {
  await settle(browser);
  assert.deepEqual(await axeViolations(browser), [], `axe on ${name}`);
  assert.deepEqual(textProblems(await readableTexts(browser), programCodes()), [], `texts on ${name}`);
  await browser.saveScreenshot(join(SCREENSHOTS, `${name}.png`));
}
