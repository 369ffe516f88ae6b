// A not-yet-built area: its heading and an honest sentence about what will come.
import { h } from './dom.js';
import { t } from '../i18n.js';
import { viewTitle } from './view-title.js';

export function comingSoonView(id, key) {
  return {
    id,
    titleKey: `nav.${key}`,
    render(root) {
      root.append(
        viewTitle(t(`nav.${key}`)),
        h(
          'div',
          { class: 'coming', dataset: { testid: 'coming-soon' } },
          h('p', { class: 'lead' }, t(`coming.${key}.what`)),
          h('p', {}, t(`coming.${key}.when`)),
        ),
      );
    },
  };
}
