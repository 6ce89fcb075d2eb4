import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client.js';
import { useAsync } from '../../lib/use-async.js';
import { ErrorState, Loading } from '../states.js';
import { NoPreview, type ViewerProps } from './index.js';

const POINTS = 800;
const W = 1000;
const H = 100;

const clock = (t: number) => `${Math.floor(t / 60)}:${(t % 60).toFixed(1).padStart(4, '0')}`;

export default function AudioViewer({ file }: ViewerProps) {
  const peaks = useAsync((signal) => api.peaks(file.id, POINTS, signal), [file.id]);
  const audio = useRef<HTMLAudioElement>(null);
  const [time, setTime] = useState(0);
  const [failed, setFailed] = useState<string | null>(null);
  const duration = peaks.data?.duration ?? 0;

  // Follow the playback position every frame while playing; timeupdate alone moves in jumps.
  useEffect(() => {
    const a = audio.current;
    if (!a) return;
    let frame = 0;
    const tick = () => { setTime(a.currentTime); if (!a.paused) frame = requestAnimationFrame(tick); };
    const onPlay = () => { cancelAnimationFrame(frame); frame = requestAnimationFrame(tick); };
    const onTime = () => setTime(a.currentTime);
    a.addEventListener('play', onPlay);
    a.addEventListener('timeupdate', onTime);
    a.addEventListener('seeked', onTime);
    return () => { cancelAnimationFrame(frame); a.removeEventListener('play', onPlay); a.removeEventListener('timeupdate', onTime); a.removeEventListener('seeked', onTime); };
  }, [peaks.data]);

  const seek = (t: number) => {
    const a = audio.current;
    const d = Number.isFinite(a?.duration) && a!.duration > 0 ? a!.duration : duration;
    if (!a || !(d > 0)) return;
    a.currentTime = Math.max(0, Math.min(d, t));
    setTime(a.currentTime);
  };
  const onKey = (e: KeyboardEvent) => {
    const step = Math.max(0.1, duration / 50);
    if (e.key === 'ArrowRight' || e.key === 'ArrowUp') seek(time + step);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') seek(time - step);
    else if (e.key === 'Home') seek(0);
    else if (e.key === 'End') seek(duration);
    else if (e.key === ' ' || e.key === 'Enter') { const a = audio.current; if (a) void (a.paused ? a.play() : a.pause()); }
    else return;
    e.preventDefault();
  };

  // Without ffmpeg the server cannot decode compressed audio for a waveform, but the browser may still play it.
  if (peaks.error instanceof ApiError && peaks.error.code === 'ffmpeg_unavailable') {
    return (
      <div class="viewer audio-viewer">
        <p class="state" role="status">Waveform unavailable: install ffmpeg on the server to draw it.</p>
        <audio controls preload="metadata" src={api.rawUrl(file.id)} aria-label={`Play ${file.path}`} />
      </div>
    );
  }
  if (peaks.error) return <><ErrorState error={peaks.error} onRetry={peaks.retry} /><NoPreview file={file} /></>;
  if (!peaks.data) return <Loading label="Reading the waveform…" />;
  const p = peaks.data;
  const n = p.min.length;
  let d = '';
  for (let i = 0; i < n; i++) {
    const x = ((i + 0.5) / n * W).toFixed(1);
    // At least one unit tall, so silence still shows as a line.
    const top = Math.min(H / 2 - 0.5, (1 - p.max[i]!) * H / 2);
    const bottom = Math.max(H / 2 + 0.5, (1 - p.min[i]!) * H / 2);
    d += `M${x} ${top.toFixed(1)}V${bottom.toFixed(1)}`;
  }
  const frac = duration > 0 ? Math.min(1, time / duration) : 0;

  return (
    <div class="viewer audio-viewer">
      <div class="waveform" role="slider" tabIndex={0} aria-label="Playback position (click or arrow keys to seek, Space to play or pause)"
        aria-valuemin={0} aria-valuemax={Number(duration.toFixed(2))} aria-valuenow={Number(time.toFixed(2))} aria-valuetext={`${clock(time)} of ${clock(duration)}`}
        onKeyDown={onKey}
        onClick={(e) => { const r = (e.currentTarget as HTMLElement).getBoundingClientRect(); seek(((e.clientX - r.left) / r.width) * duration); }}>
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" aria-hidden="true">
          <defs>
            <clipPath id={`played-${file.id}`}><rect x={0} y={0} width={frac * W} height={H} /></clipPath>
          </defs>
          <path d={d} class="wave" />
          <path d={d} class="wave played" clip-path={`url(#played-${file.id})`} />
          <line x1={frac * W} x2={frac * W} y1={0} y2={H} class="cursor" />
        </svg>
      </div>
      <p class="muted small wave-time" aria-hidden="true">{clock(time)} / {clock(duration)}</p>
      <audio ref={audio} controls preload="metadata" src={api.rawUrl(file.id)} aria-label={`Play ${file.path}`}
        onError={() => void api.probe(api.rawUrl(file.id)).then((e) => setFailed(e?.message ?? 'This browser cannot play this audio format.'))} />
      {failed && <p class="state state-error" role="alert">{failed} <a href={api.rawUrl(file.id)} download>Download the file</a></p>}
      <p class="muted small">{p.channels} {p.channels === 1 ? 'channel' : 'channels'}{p.sample_rate ? `, ${p.sample_rate} Hz` : ''}, {duration.toFixed(2)} s. The waveform shows the loudest sample of each interval.</p>
    </div>
  );
}
