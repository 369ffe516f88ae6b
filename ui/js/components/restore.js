// Restoring a backup: the file chosen, its passphrase, what it holds and what
// it would replace, then consent. On Accueil and on a PC with no
// establishment yet (« another PC »).
import { h, clear } from './dom.js';
import { errorBox } from './notice.js';
import { t, formatNumber, formatDateTime } from '../i18n.js';

/** A labelled password field. */
export function secret(id, label, testid) {
  const input = h('input', { type: 'password', id, autocomplete: 'new-password', size: '30', dataset: { testid } });
  return [h('p', { class: 'field' }, h('label', { for: id }, label), ' ', input), input];
}

function previewTable(preview) {
  const rows = ['name', 'written_at', 'pupils', 'responsables', 'teachers', 'staff', 'groups', 'journal', 'pending'];
  const cell = (info, key) => {
    if (!info) return '—';
    const v = info[key];
    if (v === null || v === undefined) return '—';
    if (key === 'written_at') return formatDateTime(v);
    return typeof v === 'number' ? formatNumber(v) : String(v);
  };
  return h('table', { class: 'preview', dataset: { testid: 'restore-preview' } },
    h('caption', {}, `${preview.backup.uai}`),
    h('thead', {}, h('tr', {}, h('td', {}), h('th', { scope: 'col' }, t('home.previewBackup')), h('th', { scope: 'col' }, t('home.previewHere')))),
    h('tbody', {}, ...rows.map((key) => h('tr', {},
      h('th', { scope: 'row' }, t(`home.previewRow.${key}`)),
      h('td', { class: key === 'name' || key === 'written_at' ? '' : 'num' }, cell(preview.backup, key)),
      h('td', { class: key === 'name' || key === 'written_at' ? '' : 'num' }, cell(preview.existing, key)),
    ))),
  );
}

/** Restore: the file chosen, its passphrase, what it holds and would replace, then consent. */
export function restoreSection(ctx) {
  const body = h('div', { dataset: { testid: 'restore-body' } });
  const pick = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'restore-pick' } }, t('home.restorePick'));
  pick.addEventListener('click', async () => {
    clear(body);
    let file;
    try {
      file = await ctx.api.backupPick();
    } catch (err) {
      body.append(errorBox(err, 'restore-error'));
      return;
    }
    if (!file) return;
    const [passField, pass] = secret('restore-pass', t('home.restorePassphrase'), 'restore-passphrase');
    pass.autocomplete = 'current-password';
    const look = h('button', { type: 'button', class: 'btn btn--secondary', dataset: { testid: 'restore-look' } }, t('home.restorePreview'));
    const outcome = h('div', {});
    look.addEventListener('click', async () => {
      clear(outcome);
      let preview;
      try {
        preview = await ctx.api.restorePreview(file, pass.value);
      } catch (err) {
        outcome.append(errorBox(err, 'restore-error'));
        return;
      }
      const replace = h('input', { type: 'checkbox', id: 'restore-replace', dataset: { testid: 'restore-replace' } });
      const apply = h('button', { type: 'button', class: 'btn', dataset: { testid: 'restore-apply' } }, t('home.restoreApply'));
      apply.disabled = Boolean(preview.existing);
      replace.addEventListener('change', () => { apply.disabled = !replace.checked; });
      apply.addEventListener('click', async () => {
        apply.disabled = true;
        try {
          const done = await ctx.api.restoreApply(file, pass.value, replace.checked);
          const said = [t('home.restoreDone', { uai: done.info.uai }), done.replaced_kept ? t('home.restoreKept', { path: done.replaced_kept }) : ''].filter(Boolean).join(' ');
          await ctx.openEstablishment(done.info.uai, 'accueil', said);
        } catch (err) {
          apply.disabled = false;
          outcome.append(errorBox(err, 'restore-error'));
        }
      });
      outcome.append(
        h('p', { class: preview.existing ? 'notice notice--warn' : 'notice' }, t(preview.existing ? 'home.previewExists' : 'home.previewNew')),
        previewTable(preview),
        preview.existing ? h('p', { class: 'choice' }, replace, ' ', h('label', { for: 'restore-replace' }, t('home.restoreReplace'))) : '',
        h('div', { class: 'toolbar' }, apply),
      );
    });
    body.append(h('p', { dataset: { testid: 'restore-file' } }, t('home.restoreFile', { file: file.split(/[\\/]/).pop() })), passField, h('div', { class: 'toolbar' }, look), outcome);
  });
  return h('div', { class: 'home-restore', dataset: { testid: 'home-restore' } },
    h('h3', {}, t('home.restoreTitle')),
    h('p', { class: 'muted' }, t('home.restoreLead')),
    h('div', { class: 'toolbar' }, pick),
    body,
  );
}

