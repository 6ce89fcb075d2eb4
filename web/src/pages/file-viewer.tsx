import { lazyComponent } from '../components/viewers/lazy.js';

/** /datasets/:slug/files/:id: one file's viewer. Its code (and every viewer's) loads on first visit. */
export const FileViewerPage = lazyComponent<{ slug: string; id: number }>(() => import('../components/viewers/file-page.js'));
