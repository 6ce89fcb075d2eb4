import { useState } from 'preact/hooks';
import { api, type ApiError } from '../../api/client.js';
import { NoPreview, type ViewerProps } from './index.js';

/** The server says so when a container needs transcoding and no ffmpeg is installed. */
const needsFfmpeg = (e: ApiError) => /ffmpeg/i.test(`${e.code} ${e.message}`);

export default function VideoViewer({ file }: ViewerProps) {
  const src = api.videoUrl(file.id);
  const [failed, setFailed] = useState<ApiError | 'unplayable' | null>(null);
  if (failed && failed !== 'unplayable' && needsFfmpeg(failed)) {
    return (
      <div class="viewer video-viewer">
        <div class="state no-preview ffmpeg-missing" role="status">
          <p><strong>Preview unavailable: install ffmpeg.</strong> This video ({file.format}) has to be converted for browsers, and this server has no ffmpeg to do it.</p>
          <p class="muted small">The server says: {failed.message}</p>
          <a class="button" href={api.rawUrl(file.id)} download>Download the original file</a>
        </div>
      </div>
    );
  }
  return (
    <div class="viewer video-viewer">
      <video controls preload="metadata" playsInline src={src} poster={file.thumbnail_url ?? undefined} aria-label={`Video ${file.path}`}
        onError={() => void api.probe(src).then((e) => setFailed(e ?? 'unplayable'))} />
      {failed === 'unplayable' && <NoPreview file={file} reason="This browser cannot play the video." />}
      {failed && failed !== 'unplayable' && <NoPreview file={file} reason={failed.message} />}
      <p class="muted small">{['mp4', 'webm'].includes(file.format) ? 'Played as stored.' : 'Converted once by the server for browsers; the original is in the download.'}</p>
    </div>
  );
}
