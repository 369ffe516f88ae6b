// Synchronisation: the ENT server's address and token, « Tester la
// connexion », the server's directory pulled into the store, the changes
// waiting to be sent (grouped, each readable), push, and the conflicts the
// server raised, each seen three ways (base, mine, theirs) and settled as
// mine, theirs or a merge the user composes.
import { h, clear } from '../components/dom.js';
import { announce, announceError, errorBox } from '../components/notice.js';
import { t, tn, has, formatNumber, formatDateTime, errorMessage } from '../i18n.js';
import { viewTitle } from '../components/view-title.js';
import { isNothingImported, nothingImported } from '../components/empty-state.js';
import { usableEstablishment } from './common.js';

/** An attribute's path (`urn:…:User:pronoteId`, `displayName`) in words. */
function attrText(path) {
  const attr = String(path || '').split(':').pop();
  return has(`sync.attr.${attr}`) ? t(`sync.attr.${attr}`) : attr;
}

/** An account as the ENT's console names it: « NOM Prénom (profil, classe) ». */
function personText(who) {
  const profile = who.profile && has(`sync.profile.${who.profile}`) ? t(`sync.profile.${who.profile}`) : '';
  const details = [profile, ...(who.classes || [])].filter(Boolean).join(', ');
  return details ? t('sync.person', { name: who.name, details }) : who.name;
}

/** A PATCH body as lines « attribut → valeur » (or « retiré »); `members` names the accounts it adds or removes. */
function describe(payload, members = {}) {
  let body;
  try {
    body = JSON.parse(payload);
  } catch {
    return [payload];
  }
  // A creation carries the resource itself; a deletion nothing.
  if (!body.Operations) {
    const name = body.displayName || body.userName || '';
    return name ? [t('sync.createNamed', { name })] : [t('sync.deleted')];
  }
  return (body.Operations || []).flatMap((op) => {
    if (op.path === 'members' && Array.isArray(op.value)) {
      const key = op.op === 'remove' ? 'sync.memberRemove' : 'sync.memberAdd';
      return op.value.map((m) => {
        const who = members[m.externalId || m.value];
        return t(key, { who: who ? personText(who) : t('sync.someAccount') });
      });
    }
    const attr = attrText(op.path);
    let value = typeof op.value === 'boolean' ? t(op.value ? 'sync.yes' : 'sync.no') : String(op.value);
    if (Array.isArray(op.value)) value = op.value.map((v) => String(v).split('/').pop()).join(', ');
    return op.op === 'remove' ? t('sync.removed', { attr }) : t('sync.set', { attr, value });
  });
}

/**
 * What a change is about, in words: a visibility rule's id (« UAI|Profil|chemin »)
 * is said as its node and profile.
 */
function targetText(c) {
  if (c.resource === 'VisibilityRule') {
    const [, profile, node] = String(c.target).split('|');
    if (profile && node) {
      const who = has(`vis.profile.${profile}`) ? t(`vis.profile.${profile}`) : profile;
      return t('sync.ruleTarget', { node: node.split('/').join(' › '), profile: who });
    }
  }
  if (c.resource === 'User') return c.who ? personText(c.who) : t('sync.unknownAccount');
  return c.target;
}

/** What a visibility rule's change does: shown or hidden, rather than « visible → oui ». */
function ruleChange(payload) {
  try {
    const ops = JSON.parse(payload).Operations || [];
    const op = ops.find((o) => o.path === 'visible' && typeof o.value === 'boolean');
    return op ? t(op.value ? 'sync.ruleShown' : 'sync.ruleHidden') : null;
  } catch {
    return null;
  }
}

/** Where a change comes from; a preset is named by its title. */
function originText(origin) {
  const preset = /^préréglage (\S+)$/.exec(origin || '');
  if (preset && has(`vis.preset.${preset[1]}`)) return t('sync.fromPreset', { name: t(`vis.preset.${preset[1]}`) });
  return origin;
}

/** A value of the three-way view, as text. */
function shown(v) {
  if (v === null || v === undefined || v === '') return t('sync.absent');
  if (typeof v === 'boolean') return v ? t('sync.yes') : t('sync.no');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function changeItem(c, extra) {
  return h(
    'li',
    { dataset: { testid: 'sync-change', id: String(c.id), target: c.target } },
    h('span', { class: 'strong' }, `${t(`sync.resource.${c.resource}`)} ${targetText(c)}`),
    ' — ',
    h('span', {}, (c.resource === 'VisibilityRule' && ruleChange(c.payload)) || describe(c.payload, c.members).join(' ; ')),
    ' ',
    h('span', { class: 'muted' }, `(${originText(c.origin)})`),
    extra ? ' ' : '',
    extra || '',
  );
}

/** Skolengo's console worklist: screen by screen, ticked as it is done. */
async function worklistSection(ctx, uai, redraw, show, connector) {
  const w = await ctx.api.syncWorklist(uai);
  const ng = connector === 'ent-ng' ? 'EntNg' : '';
  const section = h('section', { 'aria-labelledby': 'sync-worklist-title', class: 'worklist', dataset: { testid: 'sync-worklist' } },
    h('h2', { id: 'sync-worklist-title' }, t(`sync.worklistTitle${ng}`)),
    h('p', { class: 'muted' }, t(`sync.worklistLead${ng}`)),
  );
  if (w.total === 0) {
    section.append(h('p', { class: 'notice', dataset: { testid: 'sync-worklist-empty' } }, t(`sync.worklistEmpty${ng}`)));
    return section;
  }
  const progress = h('progress', { max: String(w.total), value: String(w.done), 'aria-labelledby': 'sync-worklist-progress' });
  const print = h('button', { type: 'button', class: 'btn btn--secondary no-print', dataset: { testid: 'sync-worklist-print' } }, t('sync.worklistPrint'));
  print.addEventListener('click', () => window.print());
  const exportCsv = h('button', { type: 'button', class: 'btn btn--secondary no-print', dataset: { testid: 'sync-worklist-csv' } }, t('sync.worklistCsv'));
  exportCsv.addEventListener('click', async () => {
    try {
      const csv = await ctx.api.syncWorklistCsv(uai);
      const path = await ctx.api.saveTextFile(`liste_console_${uai}.csv`, csv);
      if (path) announce(t('sync.worklistExported', { path }));
    } catch (err) {
      announceError(err);
    }
  });
  const clearDone = h('button', { type: 'button', class: 'btn btn--secondary no-print', dataset: { testid: 'sync-worklist-clear' } }, t('sync.worklistClear'));
  clearDone.disabled = w.done === 0;
  const mark = async (button, m, id, reason) => {
    button.disabled = true;
    try {
      await ctx.api.syncWorklistMark(uai, m, id, reason);
      await redraw();
      announce(t(`sync.worklistMarked.${m}`));
    } catch (err) {
      button.disabled = false;
      show(errorBox(err, 'sync-error'), errorMessage(err));
    }
  };
  clearDone.addEventListener('click', () => mark(clearDone, 'clear'));
  section.append(
    h('p', { id: 'sync-worklist-progress', dataset: { testid: 'sync-worklist-progress' } }, tn('sync.worklistProgress', w.total, { done: formatNumber(w.done) })),
    progress,
    h('div', { class: 'toolbar no-print' }, print, exportCsv, clearDone),
  );
  let screen = null;
  let list = null;
  for (const item of w.items) {
    if (item.screen !== screen) {
      screen = item.screen;
      list = h('ol', { class: 'worklist__items' });
      section.append(h('h3', {}, t(`sync.screen.${item.screen}`)), list);
    }
    const box = h('input', { type: 'checkbox', id: `wl-${item.id}`, dataset: { testid: 'sync-worklist-done' } });
    box.checked = item.status === 'fait';
    box.disabled = item.status !== 'a_faire';
    box.addEventListener('change', () => mark(box, 'done', item.id));
    const row = h('li', { class: `worklist__item worklist__item--${item.status}`, dataset: { testid: 'sync-worklist-item', id: item.id, status: item.status } },
      h('p', { class: 'worklist__head' }, box, ' ', h('label', { for: `wl-${item.id}` }, h('strong', {}, item.action), ' — ', item.target),
        item.status === 'fait' ? h('span', { class: 'badge' }, t('sync.worklistStatus.fait')) : ''),
      h('ol', { class: 'worklist__steps' }, ...item.steps.map((step) => h('li', {}, step))),
    );
    if (item.status === 'impossible') {
      const retry = h('button', { type: 'button', class: 'btn btn--secondary no-print', dataset: { testid: 'sync-worklist-retry' } }, t('sync.worklistRetry'));
      retry.addEventListener('click', () => mark(retry, 'retry', item.id));
      row.append(h('p', { class: 'notice notice--warn' }, t('sync.worklistImpossibleBecause', { reason: item.reason || '' })), retry);
    } else if (item.status === 'a_faire') {
      const reasonId = `wl-reason-${item.id}`;
      const reason = h('input', { type: 'text', id: reasonId, size: '40', dataset: { testid: 'sync-worklist-reason' } });
      const impossible = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'sync-worklist-impossible' } }, t('sync.worklistImpossible'));
      impossible.addEventListener('click', () => {
        if (!reason.value.trim()) {
          reason.setAttribute('aria-invalid', 'true');
          reason.focus();
          announce(t('sync.worklistReasonNeeded'));
          return;
        }
        mark(impossible, 'impossible', item.id, reason.value);
      });
      row.append(h('details', { class: 'no-print' }, h('summary', {}, t('sync.worklistCannot')),
        h('p', {}, h('label', { for: reasonId }, t('sync.worklistReason')), ' ', reason, ' ', impossible)));
    }
    list.append(row);
  }
  return section;
}

/** A file of an export: « Student.csv — 604 lignes ». */
const fileLine = (f) => h('li', {}, t('sync.ngFile', { file: f.file, rows: tn('sync.ngRows', f.rows) }));
const modeWord = (e) => t(`sync.ngMode.${e.delta ? 'delta' : 'full'}`);

/**
 * Open ENT NG: the files to write (all, or what changed since the last
 * confirmed import), where its console takes them, and « Importé dans l'ENT »
 * for the export waiting to be imported.
 */
async function entNgSection(ctx, uai, redraw, busy, okBox) {
  const s = await ctx.api.entNgState(uai);
  const write = h('button', { type: 'button', class: 'btn', dataset: { testid: 'sync-ng-write' } }, t('sync.ngWrite'));
  const delta = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'sync-ng-delta' } }, t('sync.ngDelta'));
  const writeWith = (button, isDelta) =>
    busy(button, t('sync.ngWriting'), async () => {
      const w = await ctx.api.entNgWrite(uai, isDelta);
      if (!w) return null;
      await redraw();
      if (!w.export) return { node: okBox('sync-ng-written', t('sync.ngNothingNew')), spoken: t('sync.ngNothingNew') };
      const said = t('sync.ngWritten', { folder: w.folder });
      const notes = [
        isDelta && !s.imported ? t('sync.ngAllWritten') : '',
        w.gone ? tn('sync.ngGone', w.gone) : '',
        ...(w.oversized || []).map((file) => t('sync.ngOversized', { file })),
      ].filter(Boolean);
      return { node: okBox('sync-ng-written', said, notes.join(' ')), spoken: [said, ...notes].join(' ') };
    });
  write.addEventListener('click', () => writeWith(write, false));
  delta.addEventListener('click', () => writeWith(delta, true));
  const section = h('section', { 'aria-labelledby': 'sync-ng-title', dataset: { testid: 'sync-ng' } },
    h('h2', { id: 'sync-ng-title' }, t('sync.ngTitle')),
    h('p', { class: 'muted' }, t('sync.ngLead')),
    h('p', { dataset: { testid: 'sync-ng-carried' } }, s.carried ? tn('sync.ngCarried', s.carried) : t('sync.ngCarriedNone')),
    h('div', { class: 'toolbar no-print' }, write, delta),
    h('p', { class: 'muted' }, t('sync.ngDeltaHelp')),
  );
  const waiting = s.exports.find((e) => !e.imported_at);
  if (waiting) {
    const confirm = h('button', { type: 'button', class: 'btn', dataset: { testid: 'sync-ng-confirm' } }, t('sync.ngConfirm'));
    confirm.addEventListener('click', () =>
      busy(confirm, t('sync.ngConfirming'), async () => {
        const n = await ctx.api.entNgConfirm(uai, waiting.id);
        await redraw();
        const said = tn('sync.ngConfirmed', n);
        return { node: okBox('sync-ng-confirmed', said), spoken: said };
      }),
    );
    section.append(
      h('div', { class: 'notice', dataset: { testid: 'sync-ng-waiting', id: waiting.id } },
        h('h3', {}, t('sync.ngWaiting', { id: waiting.id, at: formatDateTime(waiting.written_at), mode: modeWord(waiting) })),
        h('ul', {}, ...(waiting.files || []).map(fileLine)),
        h('p', { class: 'muted' }, t('sync.ngFolder', { folder: waiting.folder })),
        h('p', {}, t('sync.ngStepsTitle')),
        h('ol', {}, ...[1, 2, 3, 4].map((n) => h('li', {}, t(`sync.ngStep.${n}`)))),
        h('div', { class: 'toolbar no-print' }, confirm),
      ),
    );
  } else if (s.exports.length === 0) {
    section.append(h('p', { class: 'notice', dataset: { testid: 'sync-ng-none' } }, t('sync.ngNone')));
  }
  const imported = s.exports.filter((e) => e.imported_at).slice(0, 3);
  if (imported.length) {
    section.append(
      h('h3', {}, t('sync.ngHistory')),
      h('ul', { dataset: { testid: 'sync-ng-history' } },
        ...imported.map((e) => h('li', {}, t('sync.ngImportedOn', { id: e.id, mode: modeWord(e), at: formatDateTime(e.imported_at) })))),
    );
  }
  return section;
}

export default {
  id: 'synchronisation',
  titleKey: 'nav.synchronisation',
  async render(root, ctx) {
    const lead = h('p', { class: 'lead' }, t('sync.lead'));
    root.append(viewTitle(t('nav.synchronisation')), lead);
    const entry = usableEstablishment(root, ctx, 'sync-error');
    if (!entry) return;
    const uai = entry.uai;
    // The answer to an action sits right under the buttons that asked for it,
    // is announced and takes the focus, whatever the view redraws meanwhile.
    const status = h('div', { class: 'sync-result', tabindex: '-1', dataset: { testid: 'sync-result' } });
    const body = h('div', {}, h('p', { class: 'loading' }, t('app.loading')));
    root.append(body);
    // The button that asked (the very one while it is shown, else the one
    // with its test id after a redraw, else « Enregistrer »).
    let anchor = null;
    let asker = null;
    const place = () => {
      const button =
        (asker && asker.isConnected && asker) ||
        (anchor && body.querySelector(`[data-testid="${anchor}"]`)) ||
        body.querySelector('[data-testid="sync-save"]') ||
        body.querySelector('[data-testid="sync-ng-write"]');
      const bar = button && button.closest('.toolbar');
      if (bar) bar.after(status);
      else body.prepend(status);
    };
    const show = (node, spoken) => {
      clear(status);
      status.append(node);
      place();
      announce(spoken);
      status.focus({ preventScroll: true });
      status.scrollIntoView({ block: 'nearest' });
    };
    const okBox = (testid, title, detail) =>
      h('div', { class: 'notice notice--ok', dataset: { testid } }, h('p', { class: 'notice__title' }, `✓ ${title}`), detail ? h('p', {}, detail) : '');
    // The last publish's answer, kept across redraws: the accounts it
    // refused stay listed, each with the login to give it.
    let published = null;
    const loginsSet = new Map();
    const waitBox = (text) => h('div', { class: 'notice', dataset: { testid: 'sync-waiting' } }, h('p', {}, text));

    /** Runs `work` with `button` busy; its answer (or its error) is shown under the button. */
    const busy = async (button, label, work) => {
      const text = button.textContent;
      anchor = button.dataset.testid;
      asker = button;
      button.disabled = true;
      button.textContent = label;
      clear(status);
      try {
        const answer = await work();
        if (answer) show(answer.node, answer.spoken);
        else clear(status);
      } catch (err) {
        if (isNothingImported(err)) show(nothingImported(err, { testid: 'sync-empty' }), errorMessage(err));
        else show(errorBox(err, 'sync-error'), t('sync.failed', { message: errorMessage(err) }));
      } finally {
        button.disabled = false;
        button.textContent = text;
      }
    };

    const draw = async () => {
      const o = await ctx.api.syncOverview(uai);
      clear(body);
      lead.textContent = t({ skolengo: 'sync.leadSkolengo', 'ent-ng': 'sync.leadEntNg' }[o.connector] || 'sync.lead');
      // How the changes reach the ENT: a SCIM server, Skolengo's console by
      // hand, or Open ENT NG's CSV import.
      const choices = ['scim', 'skolengo', 'ent-ng'].map((c) => {
        const input = h('input', { type: 'radio', name: 'sync-connector', id: `sync-connector-${c}`, value: c, dataset: { testid: `sync-connector-${c}` } });
        input.checked = o.connector === c;
        input.addEventListener('change', async () => {
          try {
            await ctx.api.syncSetConnector(uai, c);
            await draw();
            announce(t('sync.connectorSet', { connector: t(`sync.connector.${c}`) }));
          } catch (err) {
            announceError(err);
          }
        });
        return h('p', { class: 'choice' }, input, ' ', h('label', { for: `sync-connector-${c}` }, h('strong', {}, t(`sync.connector.${c}`)), ' — ', t(`sync.connectorHelp.${c}`)));
      });
      body.append(
        h('fieldset', { class: 'no-print', dataset: { testid: 'sync-connector' } }, h('legend', {}, t('sync.connectorTitle')), ...choices),
      );
      if (o.connector === 'skolengo') {
        body.append(await worklistSection(ctx, uai, draw, show, o.connector));
        return;
      }
      if (o.connector === 'ent-ng') {
        body.append(await entNgSection(ctx, uai, draw, busy, okBox));
        body.append(await worklistSection(ctx, uai, draw, show, o.connector));
        return;
      }
      // The server.
      const url = h('input', { type: 'url', id: 'sync-url', size: '50', value: o.server || '', placeholder: 'https://ent.exemple.fr/scim/v2', dataset: { testid: 'sync-url' } });
      const token = h('input', { type: 'password', id: 'sync-token', size: '40', autocomplete: 'off', dataset: { testid: 'sync-token' } });
      const save = h('button', { type: 'button', class: 'btn', dataset: { testid: 'sync-save' } }, t('sync.save'));
      const test = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'sync-test' } }, t('sync.test'));
      save.addEventListener('click', () =>
        busy(save, t('sync.saving'), async () => {
          const kept = await ctx.api.syncConfigure(uai, url.value, token.value || null);
          await draw();
          const said = token.value ? t('sync.savedWithToken', { url: kept }) : t('sync.savedUrl', { url: kept });
          return { node: okBox('sync-saved', t('sync.saved'), said), spoken: `${t('sync.saved')} ${said}` };
        }),
      );
      // What is typed is tested, saved or not; nothing is saved.
      test.addEventListener('click', () =>
        busy(test, t('sync.testing'), async () => {
          const typed = url.value.trim();
          show(waitBox(t('sync.testingUrl', { url: typed || o.server || '' })), t('sync.testingUrl', { url: typed || o.server || '' }));
          const caps = await ctx.api.syncTest(uai, typed, token.value);
          const bulk = caps.bulk ? t('sync.bulkYes', { n: formatNumber(caps.bulk) }) : t('sync.bulkNo');
          const detail = t('sync.caps', { bulk, etag: caps.etag ? t('sync.yes') : t('sync.no'), page: formatNumber(caps.max_results) });
          const unsaved = typed && typed !== (o.server || '') ? t('sync.testedUnsaved') : '';
          return {
            node: okBox('sync-test-ok', t('sync.testOk'), [detail, unsaved].filter(Boolean).join(' ')),
            spoken: `${t('sync.testOk')} ${unsaved}`,
          };
        }),
      );
      const tokenLabel = !o.server ? t('sync.token') : o.token_from_env ? t('sync.tokenFromEnv') : o.token ? t('sync.tokenKnown') : t('sync.tokenMissing');
      body.append(
        h('section', { 'aria-labelledby': 'sync-server-title', dataset: { testid: 'sync-server' } },
          h('h2', { id: 'sync-server-title' }, t('sync.server')),
          o.server ? '' : h('p', { class: 'notice', dataset: { testid: 'sync-not-configured' } }, t('sync.notConfigured')),
          h('p', {}, h('label', { for: 'sync-url' }, t('sync.url')), ' ', url),
          h('p', {}, h('label', { for: 'sync-token' }, tokenLabel), ' ', token),
          h('div', { class: 'toolbar' }, save, test),
        ),
      );
      // Publishing: what the establishment has and the server lacks is created.
      const publish = h('button', { type: 'button', class: 'btn', dataset: { testid: 'sync-publish' } }, t('sync.publish'));
      publish.disabled = !o.server;
      publish.addEventListener('click', () =>
        busy(publish, t('sync.publishing'), async () => {
          const p = await ctx.api.syncPublish(uai);
          published = p;
          const counts = { users: tn('sync.nAccounts', p.users_created), groups: tn('sync.nGroups', p.groups_created), present: tn('sync.nPresent', p.present) };
          await draw();
          if (p.refused.length === 0) {
            const said = t('sync.published', counts);
            return { node: okBox('sync-published', said), spoken: said };
          }
          const said = t('sync.publishedRefused', { ...counts, refused: tn('sync.nRefused', p.refused.length) });
          return { node: h('div', { class: 'notice notice--warn', dataset: { testid: 'sync-published' } }, h('p', {}, said)), spoken: said };
        }),
      );
      const refused = published ? published.refused : [];
      body.append(
        h('section', { 'aria-labelledby': 'sync-publish-title', dataset: { testid: 'sync-publish-section' } },
          h('h2', { id: 'sync-publish-title' }, t('sync.publishTitle')),
          h('p', { class: 'muted' }, t('sync.publishHelp')),
          h('div', { class: 'toolbar' }, publish),
          refused.length > 0
            ? h('div', { class: 'sync-refused', dataset: { testid: 'sync-refused' } },
                h('h3', {}, t('sync.refusedTitle', { n: formatNumber(refused.length) })),
                h('p', { class: 'muted' }, t('sync.refusedHelp')),
                ...refused.map((r) => refusedItem(r)),
              )
            : '',
        ),
      );
      // The server's directory.
      const pull = h('button', { type: 'button', class: 'btn', dataset: { testid: 'sync-pull' } }, t('sync.pull'));
      pull.disabled = !o.server;
      const pullMeter = h('progress', { max: '1', value: '0', hidden: '', dataset: { testid: 'sync-pull-progress' }, 'aria-label': t('sync.pullProgress') });
      pull.addEventListener('click', () =>
        busy(pull, t('sync.pulling'), async () => {
          pullMeter.hidden = false;
          try {
            const p = await ctx.api.syncPull(uai, ({ resource, done, total }) => {
              pullMeter.max = String(Math.max(total, 1));
              pullMeter.value = String(done);
              pull.textContent = t('sync.pullingCount', { what: t(`sync.pullWhat.${resource}`), done: formatNumber(done), total: formatNumber(total) });
            });
            const said = t('sync.pulled', { users: formatNumber(p.users), groups: formatNumber(p.groups), rules: formatNumber(p.visibility_rules) });
            await draw();
            return { node: okBox('sync-pulled', said), spoken: said };
          } finally {
            pullMeter.hidden = true;
          }
        }),
      );
      const last = o.last
        ? t(o.last.result === 'ok' ? 'sync.lastOk' : 'sync.lastError', { at: formatDateTime(o.last.at), pulled: formatNumber(o.last.pulled), pushed: formatNumber(o.last.pushed) })
        : t('sync.never');
      body.append(
        h('section', { 'aria-labelledby': 'sync-dir-title' },
          h('h2', { id: 'sync-dir-title' }, t('sync.directory')),
          h('p', { dataset: { testid: 'sync-snapshot' } }, t('sync.snapshot', { users: formatNumber(o.snapshot.users), groups: formatNumber(o.snapshot.groups), rules: formatNumber(o.snapshot.visibility_rules) })),
          h('p', { dataset: { testid: 'sync-last' } }, last),
          h('div', { class: 'toolbar' }, pull, pullMeter),
        ),
      );
      // What waits to be sent, grouped.
      const push = h('button', { type: 'button', class: 'btn', dataset: { testid: 'sync-push' } }, t('sync.push'));
      push.disabled = !o.server || o.pending.length === 0;
      const meter = h('progress', { max: '1', value: '0', hidden: '', dataset: { testid: 'sync-progress' }, 'aria-label': t('sync.progress') });
      const cancel = h('button', { type: 'button', class: 'btn btn--secondary', hidden: '', dataset: { testid: 'sync-cancel' } }, t('sync.cancel'));
      cancel.addEventListener('click', () => ctx.api.syncCancel());
      push.addEventListener('click', () =>
        busy(push, t('sync.pushing'), async () => {
          meter.hidden = false;
          cancel.hidden = false;
          try {
            const r = await ctx.api.syncPush(uai, ({ done, total }) => {
              meter.max = String(Math.max(total, 1));
              meter.value = String(done);
              push.textContent = t('sync.pushingCount', { done: formatNumber(done), total: formatNumber(total) });
            });
            const said = t('sync.pushed', { sent: formatNumber(r.sent), conflicts: formatNumber(r.conflicts) });
            await draw();
            return { node: okBox('sync-pushed', said), spoken: said };
          } finally {
            meter.hidden = true;
            cancel.hidden = true;
          }
        }),
      );
      const groups = [
        ['create', o.pending.filter((c) => c.op === 'create')],
        // A rule the server may not hold yet is created or patched when sent.
        ['patch', o.pending.filter((c) => c.op === 'patch' || c.op === 'upsert')],
        ['delete', o.pending.filter((c) => c.op === 'delete')],
      ];
      body.append(
        h('section', { 'aria-labelledby': 'sync-pending-title', dataset: { testid: 'sync-pending' } },
          h('h2', { id: 'sync-pending-title' }, t('sync.pending', { n: formatNumber(o.pending.length) })),
          ...groups.map(([op, list]) =>
            h('details', { open: list.length > 0 && list.length <= 50 ? '' : null, dataset: { testid: `sync-group-${op}` } },
              h('summary', {}, t(`sync.op.${op}`, { n: formatNumber(list.length) })),
              h('ul', {}, list.slice(0, 500).map((c) => changeItem(c, h('button', {
                type: 'button',
                class: 'btn btn--small btn--secondary',
                'aria-label': t('sync.rejectLabel', { target: targetText(c) }),
                dataset: { testid: 'sync-reject' },
                onclick: (ev) => busy(ev.currentTarget, t('sync.resolving'), async () => {
                  await ctx.api.syncReject(uai, c.id);
                  anchor = 'sync-push';
                  await draw();
                  return { node: okBox('sync-rejected', t('sync.rejected')), spoken: t('sync.rejected') };
                }),
              }, t('sync.reject'))))),
              list.length > 500 ? h('p', { class: 'muted', dataset: { testid: 'sync-more' } }, t('sync.more', { n: formatNumber(list.length - 500) })) : '',
            ),
          ),
          o.pending.length === 0 ? h('p', { class: 'muted', dataset: { testid: 'sync-nothing' } }, t('sync.nothingPending'), ' ',
            h('a', { href: '#/rapprochement' }, t('nav.rapprochement')), ', ',
            h('a', { href: '#/qui-voit-qui' }, t('nav.quiVoitQui')), ', ',
            h('a', { href: '#/groupes' }, t('nav.groupes')), '.') : '',
          h('div', { class: 'toolbar' }, push, cancel, meter),
        ),
      );
      // Conflicts: base, mine and theirs side by side, and the merge to compose.
      if (o.conflicts.length > 0) {
        body.append(
          h('section', { 'aria-labelledby': 'sync-conflicts-title', dataset: { testid: 'sync-conflicts' } },
            h('h2', { id: 'sync-conflicts-title' }, t('sync.conflicts', { n: formatNumber(o.conflicts.length) })),
            h('p', { class: 'muted' }, t('sync.conflictHelp')),
            ...o.conflicts.map((c) => conflictCard(c, o.conflict_members || {})),
          ),
        );
      }
    };

    /** One resource the server refused: a taken login gets a field, prefilled with the free one proposed. */
    const refusedItem = (r) => {
      const name = r.display_name || r.name;
      const taken = r.resource === 'User' && (r.status === 409 || r.scim_type === 'uniqueness');
      if (!taken) {
        const what = t(r.resource === 'Group' ? 'sync.refusedGroup' : 'sync.refusedUser');
        return h('article', { class: 'refused', dataset: { testid: 'sync-refused-item', account: r.external_id } },
          h('p', {}, t('sync.refusedOther', { what, name, detail: r.detail || t('sync.refusedNoDetail') })));
      }
      const done = loginsSet.get(r.external_id);
      const id = `sync-login-${r.external_id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      const hintId = `${id}-hint`;
      const input = h('input', {
        type: 'text',
        id,
        size: '30',
        autocomplete: 'off',
        spellcheck: 'false',
        value: done || r.proposed_login || '',
        'aria-describedby': hintId,
        dataset: { testid: 'sync-login-input' },
      });
      const use = h('button', { type: 'button', class: 'btn', dataset: { testid: 'sync-login-use' } }, t('sync.useLogin'));
      use.addEventListener('click', () =>
        busy(use, t('sync.savingLogin'), async () => {
          const changed = await ctx.api.syncSetLogin(uai, r.external_id, input.value);
          loginsSet.set(r.external_id, changed.to);
          anchor = 'sync-publish';
          await draw();
          const said = t('sync.loginSaved', { name: changed.name, login: changed.to });
          const next = changed.unchecked ? `${t('sync.loginUnchecked')} ${t('sync.loginSavedNext')}` : t('sync.loginSavedNext');
          return { node: okBox('sync-login-saved', said, next), spoken: `${said} ${next}` };
        }),
      );
      return h('article', { class: 'refused', dataset: { testid: 'sync-refused-item', account: r.external_id } },
        h('p', {}, t('sync.refusedLogin', { name, login: r.name })),
        h('div', { class: 'field' },
          h('label', { for: id }, t('sync.newLogin', { name })),
          h('p', { class: 'field__hint', id: hintId }, done ? t('sync.loginDone', { login: done }) : r.proposed_login ? t('sync.proposedLogin') : t('sync.noProposal')),
          input,
        ),
        h('div', { class: 'toolbar' }, use),
      );
    };

    const conflictCard = (c, members = {}) => {
      const inputs = [];
      const rows = c.rows.map((r) => {
        const known = r.member && members[r.member];
        const attr = r.member ? t('sync.member', { who: known ? personText(known) : r.member }) : attrText(r.path);
        let merged = shown(r.merged);
        if (!r.member) {
          const input = h('input', {
            type: 'text',
            value: typeof r.merged === 'string' ? r.merged : r.merged === null ? '' : JSON.stringify(r.merged),
            'aria-label': t('sync.mergeLabel', { attr }),
            dataset: { testid: 'sync-merge-value', path: r.path },
          });
          inputs.push([r.path, input]);
          merged = input;
        }
        return h('tr', { class: r.clash ? 'clash' : '' },
          h('th', { scope: 'row' }, attr, r.clash ? h('span', { class: 'clash-mark' }, `(${t('sync.clash')})`) : ''),
          h('td', { dataset: { testid: 'sync-base' } }, c.base_known ? shown(r.base) : t('sync.unknown')),
          h('td', { dataset: { testid: 'sync-mine' } }, shown(r.mine)),
          h('td', { dataset: { testid: 'sync-theirs' } }, shown(r.theirs)),
          h('td', {}, merged),
        );
      });
      const resolve = (keep) => async (ev) => busy(ev.currentTarget, t('sync.resolving'), async () => {
        const values = keep === 'merge' ? inputs.map(([path, input]) => [path, input.value]) : null;
        await ctx.api.syncResolve(uai, c.change, keep, values);
        anchor = 'sync-push';
        await draw();
        return { node: okBox('sync-resolved', t('sync.resolved')), spoken: t('sync.resolved') };
      });
      const title = t('sync.conflictOf', { resource: t(`sync.resource.${c.resource}`), name: c.name, origin: originText(c.origin) });
      return h('article', { class: 'conflict', dataset: { testid: 'sync-conflict', id: String(c.change) } },
        h('h3', {}, title),
        h('table', {},
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, t('sync.attribute')),
            h('th', { scope: 'col' }, t('sync.base')),
            h('th', { scope: 'col' }, t('sync.mine')),
            h('th', { scope: 'col' }, t('sync.theirsCol')),
            h('th', { scope: 'col' }, t('sync.mergedCol')),
          )),
          h('tbody', {}, rows),
        ),
        h('div', { class: 'toolbar' },
          h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'sync-keep-mine' }, onclick: resolve('mine') }, t('sync.keepMine')),
          h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'sync-keep-theirs' }, onclick: resolve('theirs') }, t('sync.keepTheirs')),
          h('button', { type: 'button', class: 'btn', dataset: { testid: 'sync-merge' }, onclick: resolve('merge') }, t('sync.merge')),
        ),
      );
    };
    try {
      await draw();
      if (status.childNodes.length) place();
    } catch (err) {
      clear(body);
      body.append(errorBox(err, 'sync-error'));
    }
  },
};
