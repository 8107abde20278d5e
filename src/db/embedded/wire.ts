import { deserialize, serialize } from 'bson';
import { crc32c } from './crc32c';
import { Doc, fromWire, toWire } from './values';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

export const HEADER_SIZE = 16;
const CHECKSUM_PRESENT = 1;
export const MORE_TO_COME = 2;

export const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
export const MAX_MESSAGE_SIZE = 48_000_000;

export type Request =
  | { kind: 'msg'; requestId: number; flags: number; command: Doc }
  | { kind: 'query'; requestId: number; collection: string; command: Doc }
  | { kind: 'unsupported'; requestId: number; opCode: number };

const DESERIALIZE = { promoteValues: false, promoteBuffers: false, bsonRegExp: false } as const;
/** mongod accepts command documents up to 16 MB plus room for the command's own fields. */
const MAX_COMMAND_DOC_SIZE = MAX_BSON_OBJECT_SIZE + 16 * 1024;
/** flagBits 0-15 are "required": a parser must refuse bits it does not know (OP_MSG spec). */
const KNOWN_REQUIRED_FLAGS = CHECKSUM_PRESENT | MORE_TO_COME;

/** A frame that breaks the wire protocol; the connection that sent it is closed. */
export class ProtocolError extends Error {}

function fail(message: string): never {
  throw new ProtocolError(message);
}

/** Reads one BSON document that must lie entirely within [offset, limit). */
function readDoc(buf: Buffer, offset: number, limit: number): { doc: Doc; end: number } {
  if (offset + 5 > limit) fail('truncated BSON document in message');
  const size = buf.readInt32LE(offset);
  if (size < 5 || size > MAX_COMMAND_DOC_SIZE || size > limit - offset) fail(`invalid BSON document size ${size}`);
  if (buf[offset + size - 1] !== 0) fail('BSON document not terminated');
  let doc: Doc;
  try {
    doc = fromWire(deserialize(buf.subarray(offset, offset + size), DESERIALIZE)) as Doc;
  } catch (err) {
    fail(`malformed BSON document in message: ${(err as Error).message}`);
  }
  return { doc, end: offset + size };
}

/** Reads a cstring that must end before `limit`. */
function readCString(buf: Buffer, offset: number, limit: number): { value: string; end: number } {
  const zero = offset < limit ? buf.subarray(0, limit).indexOf(0, offset) : -1;
  if (zero < 0) fail('unterminated cstring in message');
  return { value: buf.toString('utf8', offset, zero), end: zero + 1 };
}

/** Checks a message length read from a header; `max` is lower for connections that have not authenticated. */
export function checkMessageLength(len: number, max = MAX_MESSAGE_SIZE): void {
  if (len < HEADER_SIZE || len > max) fail(`invalid message length ${len}`);
}

/** Kind 1: int32 size (counting itself), identifier cstring, then documents filling the section exactly. */
function readSequence(msg: Buffer, pos: number, end: number): { id: string; docs: Doc[]; end: number } {
  if (pos + 4 > end) fail('truncated document sequence');
  const size = msg.readInt32LE(pos);
  if (size < 4 + 2 || size > end - pos) fail(`invalid document sequence size ${size}`);
  const sectionEnd = pos + size;
  const id = readCString(msg, pos + 4, sectionEnd);
  if (id.value === '') fail('document sequence without an identifier');
  const docs: Doc[] = [];
  for (let p = id.end; p < sectionEnd; ) {
    const r = readDoc(msg, p, sectionEnd);
    docs.push(r.doc);
    p = r.end; // readDoc guarantees r.end >= p + 5
  }
  return { id: id.value, docs, end: sectionEnd };
}

function parseMsg(msg: Buffer, requestId: number): Request {
  if (msg.length < HEADER_SIZE + 4 + 1 + 5) fail('OP_MSG too short');
  const flags = msg.readUInt32LE(HEADER_SIZE);
  if (flags & 0xffff & ~KNOWN_REQUIRED_FLAGS) fail(`unknown required OP_MSG flag bits ${flags & 0xffff}`);
  let end = msg.length;
  if (flags & CHECKSUM_PRESENT) {
    end -= 4;
    if (end < HEADER_SIZE + 4 + 1 + 5) fail('OP_MSG too short for its checksum');
    if (crc32c(msg.subarray(0, end)) !== msg.readUInt32LE(end)) fail('OP_MSG checksum mismatch');
  }
  let pos = HEADER_SIZE + 4;
  let command: Doc | undefined;
  const sequences: { id: string; docs: Doc[] }[] = [];
  while (pos < end) {
    const kind = msg[pos++];
    if (kind === 0) {
      if (command) fail('OP_MSG with more than one body section');
      const r = readDoc(msg, pos, end);
      command = r.doc;
      pos = r.end;
    } else if (kind === 1) {
      const r = readSequence(msg, pos, end);
      sequences.push(r);
      pos = r.end;
    } else {
      fail(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!command) fail('OP_MSG without a body section');
  for (const { id, docs } of sequences) {
    if (command[id] !== undefined) fail(`duplicate field ${id} in OP_MSG body and document sequence`);
    command[id] = docs;
  }
  return { kind: 'msg', requestId, flags, command };
}

/** OP_QUERY survives only for the first hello of a connection; its layout is checked like OP_MSG's. */
function parseQuery(msg: Buffer, requestId: number): Request {
  const ns = readCString(msg, HEADER_SIZE + 4, msg.length);
  const numbersEnd = ns.end + 8; // numberToSkip, numberToReturn
  if (numbersEnd > msg.length) fail('truncated OP_QUERY');
  const { doc, end } = readDoc(msg, numbersEnd, msg.length);
  if (end < msg.length) readDoc(msg, end, msg.length); // returnFieldsSelector, ignored but must be valid
  // legacy drivers wrap the command as {$query: {...}, $readPreference: ...}
  const command = doc.$query && typeof doc.$query === 'object' ? (doc.$query as Doc) : doc;
  return { kind: 'query', requestId, collection: ns.value, command };
}

/** Parses one complete message (its length already checked by the framer); throws ProtocolError. */
export function parseRequest(msg: Buffer): Request {
  if (msg.length < HEADER_SIZE || msg.readInt32LE(0) !== msg.length) fail('message length does not match its header');
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  if (opCode === OP_MSG) return parseMsg(msg, requestId);
  if (opCode === OP_QUERY) return parseQuery(msg, requestId);
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
