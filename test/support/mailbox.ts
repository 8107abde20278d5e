import { MailCapture } from '../../src/demo/mail';
import type { CapturedMail } from '../../src/demo/mail';
import { useSmtpServer } from '../../src/email/service';
import { deliverDue } from '../../src/outbox/service';

export type { CapturedMail };

/** The demo's real SMTP server, catching what the tool sends; email is on while it runs. */
export interface Mailbox {
  capture: MailCapture;
  /** Runs the outbox until nothing is due, then returns what arrived for this address. */
  deliverTo(address: string): Promise<CapturedMail[]>;
  /** Everything that arrived for this address so far, oldest first. */
  to(address: string): CapturedMail[];
  stop(): Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  const capture = new MailCapture();
  useSmtpServer(await capture.start());
  const to = (address: string) => capture.messages().filter((m) => m.recipients.includes(address)).slice().reverse();
  return {
    capture,
    to,
    async deliverTo(address) {
      for (let i = 0; i < 20 && (await deliverDue()).done > 0; i++);
      return to(address);
    },
    async stop() {
      useSmtpServer(undefined);
      await capture.stop();
    },
  };
}

/** The link in an email's text that follows "label: ". */
export function linkAfter(text: string, label: string): string {
  const m = new RegExp(`${label}: (\\S+)`).exec(text);
  if (!m) throw new Error(`no "${label}" link in:\n${text}`);
  return m[1]!;
}
