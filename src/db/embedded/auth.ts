import { Codes } from './errors';
import { MECHANISM, payloadBinary, payloadText, ScramConversation, ScramError, ScramKeys, scramFinish, scramStart } from './scram';
import { Doc } from './values';

/** What a connection may run before it has authenticated (what mongod allows, minus anything informative). */
const OPEN_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'saslStart', 'saslContinue', 'ping']);
const HELLO = new Set(['hello', 'isMaster', 'ismaster']);
const CONVERSATION_ID = 1;

function failed(errmsg = 'Authentication failed.'): Doc {
  return { ok: 0, errmsg, code: Codes.AuthenticationFailed, codeName: 'AuthenticationFailed' };
}

/**
 * One connection's authentication state: the SCRAM conversation in progress and whether it succeeded.
 * The single user may authenticate against any database, so `mongodb://user:pw@host/<db>` works for every db.
 */
export class AuthSession {
  authenticated = false;
  private conversation?: ScramConversation & { skipEmptyExchange: boolean; step: 'final' | 'empty' };

  constructor(private readonly keys: ScramKeys) {}

  /** An Unauthorized reply if `name` needs authentication that this connection has not done. */
  refusal(name: string | undefined): Doc | undefined {
    if (this.authenticated || (name !== undefined && OPEN_COMMANDS.has(name))) return undefined;
    return { ok: 0, errmsg: `command ${name ?? ''} requires authentication`, code: Codes.Unauthorized, codeName: 'Unauthorized' };
  }

  /** Answers saslStart/saslContinue; undefined for any other command. */
  handle(name: string, cmd: Doc): Doc | undefined {
    if (name === 'saslStart') return this.start(cmd);
    if (name === 'saslContinue') return this.continue(cmd);
    return undefined;
  }

  /** hello: advertise SCRAM-SHA-256 for `saslSupportedMechs` and answer a speculative saslStart. */
  decorateHello(name: string, cmd: Doc, reply: Doc): Doc {
    if (!HELLO.has(name) || reply.ok !== 1) return reply;
    const out = { ...reply };
    if (typeof cmd.saslSupportedMechs === 'string') out.saslSupportedMechs = [MECHANISM];
    const spec = cmd.speculativeAuthenticate;
    if (spec && typeof spec === 'object' && !this.authenticated) {
      const r = this.start(spec as Doc);
      if (r.ok === 1) {
        delete r.ok;
        out.speculativeAuthenticate = r;
      }
    }
    return out;
  }

  private start(cmd: Doc): Doc {
    this.conversation = undefined;
    if (cmd.mechanism !== MECHANISM) {
      return { ok: 0, errmsg: `Received authentication for mechanism ${String(cmd.mechanism)} which is not enabled`, code: Codes.MechanismUnavailable, codeName: 'MechanismUnavailable' };
    }
    try {
      const { conversation, payload } = scramStart(this.keys, payloadText(cmd.payload));
      const options = cmd.options as Doc | undefined;
      this.conversation = { ...conversation, skipEmptyExchange: options?.skipEmptyExchange === true, step: 'final' };
      return { conversationId: CONVERSATION_ID, done: false, payload: payloadBinary(payload), ok: 1 };
    } catch (err) {
      return failed(err instanceof ScramError ? err.message : undefined);
    }
  }

  private continue(cmd: Doc): Doc {
    const conv = this.conversation;
    if (!conv || cmd.conversationId !== CONVERSATION_ID) return failed('No SASL session state found');
    try {
      if (conv.step === 'empty') {
        this.conversation = undefined;
        this.authenticated = true;
        return { conversationId: CONVERSATION_ID, done: true, payload: payloadBinary(''), ok: 1 };
      }
      const serverFinal = scramFinish(this.keys, conv, payloadText(cmd.payload));
      if (conv.skipEmptyExchange) {
        this.conversation = undefined;
        this.authenticated = true;
        return { conversationId: CONVERSATION_ID, done: true, payload: payloadBinary(serverFinal), ok: 1 };
      }
      conv.step = 'empty';
      return { conversationId: CONVERSATION_ID, done: false, payload: payloadBinary(serverFinal), ok: 1 };
    } catch (err) {
      this.conversation = undefined;
      return failed(err instanceof ScramError ? err.message : undefined);
    }
  }
}
