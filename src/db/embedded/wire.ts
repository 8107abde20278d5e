import { deserialize, serialize } from 'bson';
import { Doc, fromWire, toWire } from './values';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

const HEADER_SIZE = 16;
const CHECKSUM_PRESENT = 1;
export const MORE_TO_COME = 2;

export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE = 48_000_000;

export type Request =
  | { kind: 'msg'; requestId: number; flags: number; command: Doc }
  | { kind: 'query'; requestId: number; collection: string; command: Doc }
  | { kind: 'unsupported'; requestId: number; opCode: number };

const DESERIALIZE = { promoteValues: false, promoteBuffers: false, bsonRegExp: false } as const;

function readDoc(buf: Buffer, offset: number): { doc: Doc; end: number } {
  const size = buf.readInt32LE(offset);
  if (size < 5 || offset + size > buf.length) throw new Error('malformed BSON document in message');
  const doc = fromWire(deserialize(buf.subarray(offset, offset + size), DESERIALIZE)) as Doc;
  return { doc, end: offset + size };
}

function readCString(buf: Buffer, offset: number): { value: string; end: number } {
  const zero = buf.indexOf(0, offset);
  if (zero < 0) throw new Error('unterminated cstring in message');
  return { value: buf.toString('utf8', offset, zero), end: zero + 1 };
}

/** Returns the length of the first complete message in `buf`, or 0 if more bytes are needed. */
export function completeMessageLength(buf: Buffer): number {
  if (buf.length < 4) return 0;
  const len = buf.readInt32LE(0);
  if (len < HEADER_SIZE || len > MAX_MESSAGE_SIZE) throw new Error(`invalid message length ${len}`);
  return buf.length >= len ? len : 0;
}

export function parseRequest(msg: Buffer): Request {
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  if (opCode === OP_MSG) {
    const flags = msg.readUInt32LE(HEADER_SIZE);
    const end = flags & CHECKSUM_PRESENT ? msg.length - 4 : msg.length;
    let pos = HEADER_SIZE + 4;
    let command: Doc | undefined;
    const sequences: [string, Doc[]][] = [];
    while (pos < end) {
      const kind = msg.readUInt8(pos++);
      if (kind === 0) {
        const r = readDoc(msg, pos);
        command = r.doc;
        pos = r.end;
      } else if (kind === 1) {
        const sectionEnd = pos + msg.readInt32LE(pos);
        const id = readCString(msg, pos + 4);
        const docs: Doc[] = [];
        for (let p = id.end; p < sectionEnd; ) {
          const r = readDoc(msg, p);
          docs.push(r.doc);
          p = r.end;
        }
        sequences.push([id.value, docs]);
        pos = sectionEnd;
      } else {
        throw new Error(`unknown OP_MSG section kind ${kind}`);
      }
    }
    if (!command) throw new Error('OP_MSG without a body section');
    for (const [id, docs] of sequences) command[id] = [...((command[id] as Doc[] | undefined) ?? []), ...docs];
    return { kind: 'msg', requestId, flags, command };
  }
  if (opCode === OP_QUERY) {
    const ns = readCString(msg, HEADER_SIZE + 4);
    const { doc } = readDoc(msg, ns.end + 8);
    // legacy drivers wrap the command as {$query: {...}, $readPreference: ...}
    const command = doc.$query && typeof doc.$query === 'object' ? (doc.$query as Doc) : doc;
    return { kind: 'query', requestId, collection: ns.value, command };
  }
  return { kind: 'unsupported', requestId, opCode };
}

function header(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(nextResponseId(), 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

let responseCounter = 0;
function nextResponseId(): number {
  responseCounter = (responseCounter + 1) & 0x7fffffff;
  return responseCounter;
}

export function encodeMsg(responseTo: number, reply: Doc): Buffer {
  const body = serialize(toWire(reply) as Doc);
  const prefix = Buffer.alloc(5); // flagBits + section kind 0
  return Buffer.concat([header(HEADER_SIZE + prefix.length + body.length, responseTo, OP_MSG), prefix, body]);
}

export function encodeReply(responseTo: number, reply: Doc): Buffer {
  const body = serialize(toWire(reply) as Doc);
  const fields = Buffer.alloc(20); // responseFlags, cursorID (int64), startingFrom, numberReturned
  fields.writeInt32LE(1, 16);
  return Buffer.concat([header(HEADER_SIZE + fields.length + body.length, responseTo, OP_REPLY), fields, body]);
}
