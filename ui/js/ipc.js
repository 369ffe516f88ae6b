// The only module that touches window.__TAURI__ (withGlobalTauri). Every
// command goes through `call`, and every failure comes out as
// { code, message, params } so views only ever translate codes.

function tauriCore() {
  return (window.__TAURI__ && window.__TAURI__.core) || null;
}

function tauriInvoke() {
  const core = tauriCore();
  return core && typeof core.invoke === 'function' ? core.invoke : null;
}

/** A Tauri channel whose messages go to `onMessage`; null outside the app (call() then fails with IPC_UNAVAILABLE). */
function channel(onMessage) {
  const core = tauriCore();
  if (!core || typeof core.Channel !== 'function') return null;
  const ch = new core.Channel();
  ch.onmessage = onMessage;
  return ch;
}

/** Normalises whatever the shell rejected with into { code, message, params }. */
export function toIpcError(raw) {
  if (raw && typeof raw === 'object' && typeof raw.code === 'string') {
    return {
      code: raw.code,
      message: typeof raw.message === 'string' ? raw.message : '',
      params: raw.params && typeof raw.params === 'object' ? raw.params : {},
    };
  }
  // Tauri itself rejects with a plain string for wiring faults (unknown
  // command, bad argument): keep it as the message.
  const message = typeof raw === 'string' ? raw : (raw && raw.message) || String(raw);
  return { code: 'IPC_FAILED', message, params: {} };
}

async function call(cmd, args) {
  const invoke = tauriInvoke();
  if (!invoke) {
    throw { code: 'IPC_UNAVAILABLE', message: 'window.__TAURI__ is missing', params: {} };
  }
  try {
    return await invoke(cmd, args);
  } catch (raw) {
    throw toIpcError(raw);
  }
}

/** The shell's commands, one function each; argument names are the shell's (camelCase). */
export const api = {
  /** Tells the shell the first view is interactive. */
  appReady: () => call('app_ready'),
  /** The stores' passphrase for this session (PC without a keychain). */
  unlock: (passphrase) => call('unlock', { passphrase }),
  appInfo: () => call('app_info'),
  listEstablishments: () => call('list_establishments'),
  establishmentStatus: (uai) => call('establishment_status', { uai }),
  /** Creates an empty store for a typed UAI (UAI_SHAPE / UAI_CHECK_LETTER when mistyped); { uai, created }. */
  createEstablishment: (uai) => call('create_establishment', { uai }),
  auditLog: (uai, limit) => call('audit_log', { uai, limit }),
  auditVerify: (uai) => call('audit_verify', { uai }),
  /** Native multi-file dialog; [] when closed. */
  pickImportFiles: () => call('pick_import_files'),
  /** Native save dialog for an export the UI built; the path written, or null when closed. */
  saveTextFile: (suggestedName, contents) => call('save_text_file', { suggestedName, contents }),
  /**
   * Imports `paths` as one operation; `onProgress` receives { file_index, file_count, file, phase, done, total }.
   * `presets` (optional) maps a path to the column preset to read that CSV table with.
   */
  importFiles: (uai, paths, onProgress, presets, skipRefused) =>
    call('import_files', { uai, paths, presets: presets || null, skipRefused: Boolean(skipRefused), channel: channel(onProgress) }),
  cancelImport: () => call('cancel_import'),
  importHistory: (uai) => call('import_history', { uai }),
  batchRejects: (uai, batchId) => call('batch_rejects', { uai, batchId }),
  findings: (uai) => call('findings', { uai }),
  rejectReasons: () => call('reject_reasons'),
  /** The header of an unrecognised CSV table and, per table, Préau's guesses; MAPPING_NOT_A_TABLE when it is none. */
  csvMappingProposal: (path) => call('csv_mapping_proposal', { path }),
  /** Saves a column preset { name, table, columns: { field: header } }; every saved preset. */
  saveColumnPreset: (uai, preset) => call('save_column_preset', { uai, preset }),
  columnPresets: (uai) => call('column_presets', { uai }),
  // Reconciliation wizard (source: 'pronote' | 'edt').
  matchOpen: (uai, source) => call('match_open', { uai, source }),
  matchStep: (uai, source, category) => call('match_step', { uai, source, category }),
  matchDecide: (uai, source, sourceId, decision) => call('match_decide', { uai, source, sourceId, decision }),
  matchUndo: (uai, source) => call('match_undo', { uai, source }),
  matchSearch: (uai, source, text, all) => call('match_search', { uai, source, text, all }),
  matchPreview: (uai, source) => call('match_preview', { uai, source }),
  matchApply: (uai, source) => call('match_apply', { uai, source }),
  matchExport: (uai, source) => call('match_export', { uai, source }),
  syncOverview: (uai) => call('sync_overview', { uai }),
  syncConfigure: (uai, url, token) => call('sync_configure', { uai, url, token }),
  syncTest: (uai, url, token) => call('sync_test', { uai, url: url || null, token: token || null }),
  syncPull: (uai, onProgress) => call('sync_pull', { uai, channel: channel(onProgress) }),
  /** `onProgress` receives { done, total } after each change sent. */
  syncPush: (uai, onProgress) => call('sync_push', { uai, channel: channel(onProgress) }),
  syncCancel: () => call('sync_cancel'),
  syncResolve: (uai, id, keep, values) => call('sync_resolve', { uai, id, keep, values: values || null }),
  syncPublish: (uai) => call('sync_publish', { uai }),
  syncSetLogin: (uai, account, login) => call('sync_set_login', { uai, account, login }),
  syncSetConnector: (uai, connector) => call('sync_set_connector', { uai, connector }),
  syncWorklist: (uai) => call('sync_worklist', { uai }),
  syncWorklistCsv: (uai) => call('sync_worklist_csv', { uai }),
  /** Accueil: what needs the administrator today, the last imports' age, the last backup. */
  homeToday: (uai) => call('home_today', { uai }),
  /** Asks where, then writes the establishment's backup under `passphrase`; null when closed. */
  backupWrite: (uai, passphrase) => call('backup_write', { uai, passphrase }),
  /** The backup file to restore, chosen in the native dialog; null when closed. */
  backupPick: () => call('backup_pick'),
  /** What restoring `file` would bring and replace. */
  restorePreview: (file, passphrase) => call('restore_preview', { file, passphrase }),
  /** Restores `file`; an establishment already there only with `replace`. */
  restoreApply: (file, passphrase, replace) => call('restore_apply', { file, passphrase, replace }),
  /** Makes the fictional collège, its import's progress to `onProgress`; its UAI. */
  demoDiscover: (onProgress) => call('demo_discover', { channel: channel(onProgress) }),
  /** Removes the fictional establishment. */
  demoRemove: (uai) => call('demo_remove', { uai }),
  /** A new PC starts from the ENT server: store made, address and token kept, directory pulled. */
  establishmentFromServer: (uai, url, token, onProgress) => call('establishment_from_server', { uai, url, token, channel: channel(onProgress) }),
  /** Open ENT NG: the exports written and how many waiting changes the files carry. */
  entNgState: (uai) => call('ent_ng_state', { uai }),
  /** Asks for a folder and writes the files there (all, or with `delta` what changed); null when closed. */
  entNgWrite: (uai, delta) => call('ent_ng_write', { uai, delta }),
  /** The export was imported in the ENT: its changes are confirmed; how many. */
  entNgConfirm: (uai, exportId) => call('ent_ng_confirm', { uai, export: exportId }),
  syncWorklistMark: (uai, mark, id, reason) => call('sync_worklist_mark', { uai, mark, id: id || null, reason: reason || null }),
  visibilityGrid: (uai) => call('visibility_grid', { uai }),
  visibilityPreview: (uai, profile, node, visible) => call('visibility_preview', { uai, profile, node, visible }),
  visibilityPreset: (uai, name) => call('visibility_preset', { uai, name }),
  visibilityApply: (uai, changes, origin) => call('visibility_apply', { uai, changes, origin }),
  visibilityPeople: (uai, query) => call('visibility_people', { uai, query }),
  visibilitySimulate: (uai, user, to) => call('visibility_simulate', { uai, user, to: to || null }),
  visibilityFunctions: (uai) => call('visibility_functions', { uai }),
  visibilityFunctionMember: (uai, node, person, member) => call('visibility_function_member', { uai, node, person, member }),
  visibilityNodeChanges: (uai) => call('visibility_node_changes', { uai }),
  visibilityQueueNodes: (uai) => call('visibility_queue_nodes', { uai }),
  visibilitySetRules: (uai, rules) => call('visibility_set_rules', { uai, rules }),
  directorySearch: (uai, query, scope, criteria, limit) => call('directory_search', { uai, query, scope, criteria, limit }),
  directoryChoices: (uai) => call('directory_choices', { uai }),
  directoryFiche: (uai, id) => call('directory_fiche', { uai, id }),
  /** The results as CSV where the user chooses; the path, or null when the dialog was closed. */
  directoryCsv: (uai, query, scope, criteria) => call('directory_csv', { uai, query, scope, criteria }),
  directoryLikely: (uai, account) => call('directory_likely', { uai, account }),
  directoryCreate: (uai, account, force) => call('directory_create', { uai, account, force }),
  /** Previews (apply false) or applies a function change: { before, after, account, unchanged }. */
  directoryFunction: (uai, person, fn, add, apply) => call('directory_function', { uai, person, function: fn, add, apply }),
  directoryFollow: (uai, follower, pupils, add) => call('directory_follow', { uai, follower, pupils, add }),
  directoryEnd: (uai, id, until, close) => call('directory_end', { uai, id, until, close }),
  ticketCheck: (uai, ticket) => call('ticket_check', { uai, ticket }),
  ticketWrite: (uai, ticket, screenshot) => call('ticket_write', { uai, ticket, screenshot: screenshot || null }),
  ticketPickScreenshot: () => call('ticket_pick_screenshot'),
  groupsOverview: (uai) => call('groups_overview', { uai }),
  groupDetail: (uai, id) => call('group_detail', { uai, id }),
  groupRuleCount: (uai, rule) => call('group_rule_count', { uai, rule }),
  groupCreate: (uai, group) => call('group_create', { uai, group }),
  groupRename: (uai, id, name) => call('group_rename', { uai, id, name }),
  groupDelete: (uai, id) => call('group_delete', { uai, id }),
  groupSetRule: (uai, id, rule) => call('group_set_rule', { uai, id, rule }),
  groupApply: (uai, id) => call('group_apply', { uai, id }),
  groupPeople: (uai, filters) => call('group_people', { uai, filters }),
  groupAdd: (uai, id, people, role) => call('group_add', { uai, id, people, role: role || null }),
  groupAddCsv: (uai, id, bytes, name) => call('group_add_csv', { uai, id, bytes, name }),
  groupRemove: (uai, id, people) => call('group_remove', { uai, id, people }),
  rentreeChecklist: (uai, date) => call('rentree_checklist', { uai, date: date || null }),
  rentreeSetStep: (uai, step, status, note) => call('rentree_set_step', { uai, step, status: status || null, note }),
  rentreeSetSettings: (uai, settings) => call('rentree_set_settings', { uai, settings }),
  rentreeTransitionPreview: (uai) => call('rentree_transition_preview', { uai }),
  rentreeTransition: (uai) => call('rentree_transition', { uai }),
  syncReject: (uai, id) => call('sync_reject', { uai, id }),
};
