// The view's h1, focusable so navigation can move focus to it.
import { h } from './dom.js';

export function viewTitle(text) {
  return h('h1', { id: 'view-title', tabindex: '-1', dataset: { testid: 'view-title' } }, text);
}
