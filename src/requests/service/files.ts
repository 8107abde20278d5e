import { Readable } from 'node:stream';
import mongoose, { Types } from 'mongoose';
import { TenantId } from '../../db/tenancy';
import { Invalid, NotFound } from '../../kernel/errors';
import * as plans from '../../plans/service';

// Certificates and receipts, stored in GridFS like plan evidence and checked the same way (name and first bytes).

export type UploadedFile = plans.UploadedFile;
export const PROOF_TYPES = ['application/pdf', 'image/png', 'image/jpeg'];
export interface StoredFile {
  _id: Types.ObjectId;
  fileId: Types.ObjectId;
  filename: string;
  contentType: string;
  size: number;
  uploadedAt: Date;
}

const bucket = () => new mongoose.mongo.GridFSBucket(mongoose.connection.db!, { bucketName: 'requestFiles' });
const maxMb = () => Math.round(plans.evidenceMaxBytes() / 1024 / 1024);

/** Checks the size and type, then stores it; the returned entry goes on the request. */
export async function storeFile(tenantId: TenantId, userId: Types.ObjectId, requestId: Types.ObjectId, file: UploadedFile | undefined, field: string): Promise<StoredFile> {
  if (!file) throw new Invalid('Choose a file; nothing was saved.', { [field]: 'Choose a PDF, PNG or JPEG file' });
  if (file.size > plans.evidenceMaxBytes()) throw new Invalid('The file is too large; nothing was saved.', { [field]: `Files can be at most ${maxMb()} MB` });
  const contentType = plans.acceptedFileType(file, PROOF_TYPES, field);
  const fileId = new Types.ObjectId();
  const filename = file.originalname.slice(0, 200);
  const upload = bucket().openUploadStreamWithId(fileId, filename, { metadata: { tenantId, userId, requestId, contentType } });
  await new Promise<void>((resolve, reject) => {
    Readable.from([file.buffer]).pipe(upload).on('finish', () => resolve()).on('error', reject);
  });
  return { _id: new Types.ObjectId(), fileId, filename, contentType, size: file.size, uploadedAt: new Date() };
}

export const deleteFile = (fileId: Types.ObjectId) => bucket().delete(fileId).catch(() => undefined);

export function openFile(file: { fileId?: Types.ObjectId | null; filename?: string | null; contentType?: string | null } | null | undefined): { stream: NodeJS.ReadableStream; filename: string; contentType: string } {
  if (!file?.fileId) throw new NotFound('That file');
  return { stream: bucket().openDownloadStream(file.fileId), filename: file.filename ?? 'file', contentType: file.contentType ?? 'application/octet-stream' };
}
