import type { AddressInfo } from 'node:net';
import express, { Router } from 'express';
import { simpleParser, AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { z } from 'zod';
import { SmtpTarget } from '../email/service';

/** One email the capture server accepted, as a reader sees it. */
export interface CapturedMail {
  id: number;
  at: Date;
  from: string;
  /** Envelope recipients (RCPT TO): who the mail really went to. */
  recipients: string[];
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  listUnsubscribe: string;
  listUnsubscribePost: string;
}

const KEEP = 500;

/** A header's value as sent, unfolded (mailparser structures List-Unsubscribe; readers want the line). */
function rawHeader(lines: readonly { key: string; line: string }[], key: string): string {
  return (lines.find((h) => h.key === key)?.line ?? '').replace(/^[^:]*:\s*/, '').replace(/\r?\n/g, '');
}

function addresses(a: AddressObject | AddressObject[] | undefined): string {
  return [a ?? []].flat().map((x) => x.text).join(', ');
}

/**
 * A real SMTP server on loopback that keeps what it receives in memory: the demo sends its email here
 * (shown at /demo/mail), and the tests read it back. It can refuse the next messages with a temporary
 * error, as a real server under load does.
 */
export class MailCapture {
  private readonly mail: CapturedMail[] = [];
  private nextId = 1;
  private refusals = 0;
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 5 * 1024 * 1024,
    onData: (stream, session, callback) => {
      if (this.refusals > 0) {
        this.refusals--;
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 })));
        return;
      }
      const recipients = session.envelope.rcptTo.map((r) => r.address);
      simpleParser(stream)
        .then((parsed) => {
          this.keep({
            id: this.nextId++,
            at: new Date(),
            from: addresses(parsed.from),
            recipients,
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            listUnsubscribe: rawHeader(parsed.headerLines, 'list-unsubscribe'),
            listUnsubscribePost: rawHeader(parsed.headerLines, 'list-unsubscribe-post'),
          });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  private port = 0;

  async start(): Promise<SmtpTarget> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this.target();
  }

  target(): SmtpTarget {
    return { host: '127.0.0.1', port: this.port, secure: false, requireTls: false, plain: true };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private keep(m: CapturedMail): void {
    this.mail.unshift(m);
    this.mail.splice(KEEP);
  }

  /** Newest first. */
  messages(): readonly CapturedMail[] {
    return this.mail;
  }

  find(id: number): CapturedMail | undefined {
    return this.mail.find((m) => m.id === id);
  }

  /** The next `n` messages are refused with "451 try again later". */
  refuseNext(n: number): void {
    this.refusals = n;
  }

  clear(): void {
    this.mail.length = 0;
  }
}

const MailId = z.object({ id: z.coerce.number().int().positive() });

/** /demo/mail: what the demo sent, newest first, each email's text, HTML and headers. */
export function mailRouter(capture: MailCapture): Router {
  const router = express.Router();
  router.get('/demo/mail', (_req, res) => {
    res.render('demo/mail', { title: 'Email the demo sent', mail: capture.messages() });
  });
  router.get('/demo/mail/:id', (req, res, next) => {
    const parsed = MailId.safeParse(req.params);
    const mail = parsed.success ? capture.find(parsed.data.id) : undefined;
    if (!mail) return next();
    res.render('demo/mail-message', { title: mail.subject || 'Email', mail });
  });
  // The HTML part on its own, sandboxed: no scripts, no styles of its own, no requests.
  router.get('/demo/mail/:id/html', (req, res, next) => {
    const parsed = MailId.safeParse(req.params);
    const mail = parsed.success ? capture.find(parsed.data.id) : undefined;
    if (!mail?.html) return next();
    res.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'self'").type('html').send(mail.html);
  });
  return router;
}
