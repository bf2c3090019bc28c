// The page of out/index.html: plain HTML and CSS, images referenced relatively from out/, every
// string escaped (keys, reasons and file names come from users and from the function).
import type { GalleryResult, ImageInfo } from './gallery.ts';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A relative URL for a file under out/: each path segment percent-encoded. */
export function relativeUrl(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function describe(img: ImageInfo): string {
  const dims = img.width && img.height ? `${img.width}×${img.height}` : 'size unknown';
  return `${dims} · ${img.format ?? 'not an image'} · ${size(img.bytes)}`;
}

function figure(label: string, img: ImageInfo | undefined, alt: string): string {
  if (!img) return `<figure class="none"><figcaption>${label}: none</figcaption></figure>`;
  const picture = img.file
    ? `<a href="${escapeHtml(relativeUrl(img.file))}"><img src="${escapeHtml(relativeUrl(img.file))}" ` +
      `alt="${escapeHtml(alt)}" loading="lazy"></a>`
    : '<div class="nopic">no preview</div>';
  return `<figure>${picture}<figcaption>${label}: ${escapeHtml(describe(img))}</figcaption></figure>`;
}

function entry(r: GalleryResult): string {
  const when = r.at.replace('T', ' ').slice(0, 19) + ' UTC';
  const timing =
    r.durationMs !== undefined
      ? `${r.durationMs.toFixed(1)} ms${r.billedMs !== undefined ? ` (billed ${r.billedMs} ms)` : ''}`
      : 'duration unknown';
  const refusal = r.refusal ? `<p class="refusal">Not resized: ${escapeHtml(r.refusal)}</p>` : '';
  return [
    `<article class="result${r.refusal ? ' refused' : ''}">`,
    `<h2>${escapeHtml(r.name)}</h2>`,
    `<p class="meta">${escapeHtml(when)} · ${escapeHtml(r.via)} · ${escapeHtml(timing)}</p>`,
    refusal,
    '<div class="pair">',
    figure('source', r.source, `source ${r.name}`),
    figure('thumbnail', r.thumbnail, `thumbnail of ${r.name}`),
    '</div>',
    r.thumbnailKey ? `<p class="key">${escapeHtml(r.thumbnailKey)}</p>` : '',
    '</article>',
  ]
    .filter(Boolean)
    .join('\n');
}

const CSS = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; background: #fafafa; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
.lead { color: #555; margin-top: 0; }
.result { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.result.refused { border-color: #c0392b; }
.result h2 { font-size: 1.05rem; margin: 0 0 0.25rem; word-break: break-all; }
.meta, .key { color: #666; font-size: 0.85rem; margin: 0.25rem 0; word-break: break-all; }
.refusal { color: #a93226; font-weight: bold; }
.pair { display: flex; gap: 1.5rem; align-items: flex-start; flex-wrap: wrap; }
figure { margin: 0; }
figure img { max-width: 420px; max-height: 300px; border: 1px solid #ccc; background: #eee; display: block; }
figcaption { font-size: 0.85rem; color: #444; margin-top: 0.3rem; }
.nopic { width: 200px; height: 120px; display: grid; place-items: center; background: #eee; color: #777; }
.chart img { max-width: 100%; border: 1px solid #ddd; background: #fff; }
`.trim();

/** The whole page: the results (newest first, as given) and the latest tune chart, if any. */
export function galleryHtml(results: GalleryResult[], chartFile?: string): string {
  const chart = chartFile
    ? `<section class="chart"><h2>Latest npm run tune chart</h2>` +
      `<img src="${escapeHtml(relativeUrl(chartFile))}" alt="${escapeHtml(`tune chart ${chartFile}`)}">` +
      `<p class="key">${escapeHtml(chartFile)}</p></section>`
    : '';
  const body = results.length
    ? results.map(entry).join('\n')
    : '<p>No results yet: run the test step, npm run invoke or npm run dev.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Thumbnails</title>
<style>
${CSS}
</style>
</head>
<body>
<h1>Thumbnails</h1>
<p class="lead">${results.length} result(s), newest first (the last 50 are kept). Written by the test step,
npm run invoke and npm run dev.</p>
${body}
${chart}
</body>
</html>
`;
}
