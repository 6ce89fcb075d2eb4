import type { ComponentType } from 'preact';
import { api, type FileItem } from '../../api/client.js';
import { lazyComponent } from './lazy.js';

export interface ViewerProps {
  file: FileItem;
}

// One lazily loaded chunk per kind: the main bundle carries none of the viewers' code.
const VIEWERS: Partial<Record<FileItem['viewer'], ComponentType<ViewerProps>>> = {
  image: lazyComponent(() => import('./image-viewer.js'), 'Loading the image viewer…'),
  volume: lazyComponent(() => import('./volume-viewer.js'), 'Loading the volume viewer…'),
  signal: lazyComponent(() => import('./signal-viewer.js'), 'Loading the signal viewer…'),
  audio: lazyComponent(() => import('./audio-viewer.js'), 'Loading the audio player…'),
  video: lazyComponent(() => import('./video-viewer.js'), 'Loading the video player…'),
};

/** The one fallback for files no viewer can show. */
export function NoPreview({ file, reason }: { file: FileItem; reason?: string }) {
  return (
    <div class="state no-preview">
      <p><strong>Preview not available — download to view.</strong>{reason ? ` ${reason}` : ''}</p>
      <a class="button" href={api.rawUrl(file.id)} download>Download {file.path.slice(file.path.lastIndexOf('/') + 1)}</a>
    </div>
  );
}

/** Opens the viewer of a file's kind (FileItem.viewer). */
export function FileViewer({ file }: ViewerProps) {
  const V = VIEWERS[file.viewer];
  if (!V) return <NoPreview file={file} reason={file.error ? `This file could not be read: ${file.error}` : undefined} />;
  return <V key={file.id} file={file} />;
}
