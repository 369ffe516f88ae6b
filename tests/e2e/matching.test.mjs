// End to end, the Rapprochement view: the demo collège's Pronote identifiers
// and ENT directory imported (headless, with preau-cli), then the Pronote
// wizard in the window: the steps' counts are preau-cli's `match --json`,
// a record is decided with the keyboard and undone, the directory search
// answers, the session resumes after leaving the view, the dry run shows
// what would be written and applying writes it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCREENSHOTS, uaiFromDigits, workspace, startApp } from './harness.mjs';
import { textProblems, programCodes } from './gate.mjs';

const UAI = uaiFromDigits('0999001');

let ws;
let app;
let browser;
let byTestId;
let expected; // category → { auto, review, none }

before(async () => {
  ws = workspace('preau-e2e-matching-');
  const out = join(ws.dataDir, 'demo-files');
  ws.cli('demo', '--uai', UAI, '--kind', 'college', '--seed', '7', '--out', out);
  const names = readdirSync(out);
  const pronote = names.find((n) => /^identifiants_pronote.*\.csv$/i.test(n));
  const directory = names.find((n) => /^export_annuaire_ENT.*\.csv$/i.test(n));
  assert.ok(pronote && directory, 'the demo writes both files');
  ws.cli('import', '--uai', UAI, join(out, pronote), join(out, directory));
  const lines = ws
    .cli('match', 'pronote', '--uai', UAI, '--json')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  expected = {};
  for (const d of lines.filter((l) => !l.summary)) {
    const c = (expected[d.category] ||= { auto: 0, review: 0, none: 0 });
    c[d.band] += 1;
  }
  assert.ok(expected.responsable && expected.responsable.review > 1, 'some responsables to review');
  app = await startApp(ws.env, 'tauri-driver-matching.log');
  ({ browser, byTestId } = app);
});

after(async () => {
  if (app) await app.stop();
  if (ws) ws.cleanup();
});

async function openMatching() {
  await (await byTestId('nav-rapprochement')).click();
  await (await byTestId('match-session')).waitForExist();
}

async function text(testid) {
  return (await byTestId(testid)).getText();
}

async function reviewedSource() {
  const card = await byTestId('match-review-card');
  await card.waitForExist();
  return card.getAttribute('data-source');
}

function numbers(s) {
  return (s.match(/\d[\d\s\u202f]*/g) || []).map((n) => Number(n.replace(/\D/g, '')));
}

test('the wizard opens where records wait', async () => {
  await openMatching();
  const order = ['enseignant', 'eleve', 'responsable', 'maitre_de_stage', 'inspecteur_pedagogique', 'personnel'];
  const waiting = order.find((c) => expected[c] && expected[c].review + expected[c].none > 0);
  assert.ok(waiting, 'some records wait for review');
  await browser.waitUntil(async () => (await (await byTestId(`match-step-${waiting}`)).getAttribute('aria-current')) === 'step', {
    timeoutMsg: `the wizard did not open on ${waiting}`,
  });
  await (await byTestId('match-review-card')).waitForExist();
  // Reasons and closeness in words, never a bare score.
  const card = await text('match-review-card');
  assert.doesNotMatch(card, /\d+[.,]\d+ sur \d+ requis|score \d|écart \d/, card);
  assert.doesNotMatch(card, /\d{4}-\d{2}-\d{2}/, 'dates read dd/mm/yyyy');
  // The candidates' establishment said by its name, not its UAI.
  const candidates = await text('match-candidates');
  assert.ok(!candidates.includes(UAI), `the UAI ${UAI} in « ${candidates} »`);
  assert.match(candidates, /— Collège /u, candidates);
});

test('the steps show the engine’s bands, as preau-cli finds them', async () => {
  for (const [category, c] of Object.entries(expected)) {
    await (await byTestId(`match-step-${category}`)).click();
    await browser.waitUntil(async () => {
      const counts = await byTestId('match-step-counts');
      return (await counts.isExisting()) && numbers(await counts.getText())[0] === c.auto;
    }, { timeoutMsg: `${category}: the step counts never showed` });
    const [auto, review, none] = numbers(await text('match-step-counts'));
    assert.deepEqual({ auto, review, none }, c, category);
  }
  await browser.saveScreenshot(join(SCREENSHOTS, 'matching-steps.png'));
});

test('a record is decided with the keyboard, undone, and the search answers', async () => {
  await (await byTestId('match-step-responsable')).click();
  const first = await reviewedSource();
  const card = await byTestId('match-review-card');
  await card.click();
  await browser.keys(['1']);
  await browser.waitUntil(async () => (await reviewedSource()) !== first, { timeoutMsg: 'the queue never moved on' });
  await browser.saveScreenshot(join(SCREENSHOTS, 'matching-review.png'));
  // Undo brings the same record back.
  await (await byTestId('match-review-card')).click();
  await browser.keys(['Control', 'z']);
  await browser.waitUntil(async () => (await reviewedSource()) === first, { timeoutMsg: 'undo did not bring the record back' });
  // Decide it again, then search the directory.
  await (await byTestId('match-pick-1')).click();
  await browser.waitUntil(async () => (await reviewedSource()) !== first);
  const surname = (await text('match-source')).split(' ')[0];
  await (await byTestId('match-search')).setValue(surname.slice(0, 4));
  await browser.waitUntil(async () => (await browser.$$('[data-testid="match-search-result"]')).length > 0, {
    timeoutMsg: 'the search never answered',
  });
});

test('the session resumes after leaving the view; the dry run, then applying', async () => {
  await (await byTestId('nav-accueil')).click();
  await openMatching();
  const session = await text('match-session');
  assert.match(session, /reprise/, session);
  assert.ok(numbers(session).some((n) => n >= 3), `three decisions recorded: ${session}`);
  // As a person would: the step is on screen before the dry run is asked for.
  await (await byTestId('match-step-counts')).waitForExist({ timeout: 30000 });
  await (await byTestId('match-preview')).click();
  const preview = await byTestId('match-preview-result');
  await preview.waitForExist({ timeout: 30000 });
  const [auto, manual] = numbers(await preview.$('p').getText());
  assert.match(await preview.$('p').getText(), manual === 1 ? /et 1 lien vérifié par vous\./ : /et \d+ liens vérifiés par vous\./, 'the reviewed links counted with their plural');
  // Each link reads as people: a name, the step in words, the decision in words; no ids.
  const rows = await browser.execute(() =>
    Array.from(document.querySelectorAll('[data-testid="match-preview-row"]')).map((tr) => Array.from(tr.cells).map((c) => c.textContent)),
  );
  assert.equal(rows.length, Math.min(100, auto + manual), 'one page of the dry run at a time');
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
  for (const [step, person, , account, decided] of rows) {
    assert.match(step, /^(Enseignants|Élèves|Responsables|Maîtres de stage|Inspecteurs pédagogiques|Personnels)$/, step);
    assert.match(person, /\p{L}+ \p{L}+/u, person);
    assert.match(account, /compte /, account);
    assert.match(decided, /^(Rapproché automatiquement|Vérifié par vous)$/, decided);
    assert.doesNotMatch(`${person} ${account}`, uuid);
  }
  const pages = await text('match-preview-result-table-page');
  assert.ok(numbers(pages).includes(auto + manual), `the pager counts every link: ${pages}`);
  const totalAuto = Object.values(expected).reduce((s, c) => s + c.auto, 0);
  assert.equal(auto, totalAuto, 'every automatic link would be written');
  assert.equal(manual, 1, 'one link decided by hand');
  await browser.saveScreenshot(join(SCREENSHOTS, 'matching-preview.png'));
  await (await byTestId('match-apply')).click();
  await (await byTestId('match-applied')).waitForExist();
  assert.equal(numbers(await text('match-applied'))[0], auto + manual);
  assert.equal(numbers(await text('match-applied'))[1], auto + manual, 'every link of a first session waits for the ENT');
  // Counts read with their proper plural, whatever they are.
  assert.deepEqual(textProblems([await text('match-applied')], programCodes()), []);
  assert.match(await text('match-applied'), auto + manual === 1 ? /^1 lien écrit ;/ : /^\d[\d\s\u202f]* liens écrits ;/u);
  await (await byTestId('match-applied')).scrollIntoView();
  await browser.saveScreenshot(join(SCREENSHOTS, 'matching-applied.png'));
  // The session is closed: the steps are gone until a new one is asked for.
  assert.equal(await (await byTestId('match-step')).isExisting(), false);
  assert.equal(await (await byTestId('match-apply')).isExisting(), false);
  await (await byTestId('match-new-session')).click();
  await (await byTestId('match-step-counts')).waitForExist({ timeout: 30000 });
  const journal = ws.cli('audit', 'verify', '--uai', UAI);
  assert.ok(journal.length > 0);
});
