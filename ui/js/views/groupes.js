// groupes: not built yet; the view says honestly what will come here.
import { comingSoonView } from '../components/coming-soon.js';

export default comingSoonView('groupes', 'groupes');
