import type { Response } from 'express';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Sends a minimal platform page; `body` must already be escaped. */
export function sendPage(res: Response, status: number, title: string, body: string, head = ''): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${head}</head>` +
        `<body><main>${body}</main></body></html>`,
    );
}

export function sendErrorPage(res: Response, status: number, message: string): void {
  sendPage(res, status, 'LTI launch error', `<h1>LTI launch error</h1><p id="error">${escapeHtml(message)}</p>`);
}
