import { z } from 'zod';

/**
 * The part of a CASE 1.0 CFPackage (1EdTech Competencies and Academic Standards Exchange, JSON binding, as
 * `/ims/case/v1p0/CFPackages/{id}` serves it) that PD Pathways reads. Unknown fields (CFDefinitions,
 * CFRubrics, subjects, licences…) pass untouched; field names are the binding's.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuid = (what: string) =>
  z
    .string(`Give the ${what} identifier`)
    .trim()
    .regex(UUID, `The ${what} identifier must be a UUID (8-4-4-4-12 hexadecimal digits)`)
    .toLowerCase();
const dateTime = (what: string) => z.iso.datetime({ offset: true, message: `Give ${what} as an ISO 8601 date-time, e.g. 2026-09-01T00:00:00Z` });
const optionalText = z.string().trim().optional();

/** A link to a node (document or item): the identifier is what is matched; title and uri are informative. */
const LinkGenURI = z.object(
  {
    identifier: z.string('Give the linked node’s identifier').trim().min(1, 'Give the linked node’s identifier').toLowerCase(),
    uri: z.string().optional(),
    title: z.string().optional(),
  },
  'Give a link object with an identifier',
);

export const CFDocument = z.object(
  {
    identifier: uuid('CFDocument'),
    uri: z.string('Give the CFDocument uri').trim().min(1, 'Give the CFDocument uri'),
    creator: z.string('Give the CFDocument creator').trim().min(1, 'Give the CFDocument creator'),
    title: z.string('Give the CFDocument title').trim().min(1, 'Give the CFDocument title'),
    lastChangeDateTime: dateTime('the CFDocument lastChangeDateTime'),
    description: optionalText,
    version: optionalText,
  },
  'The package needs a CFDocument object',
);

export const CFItem = z.object({
  identifier: uuid('CFItem'),
  fullStatement: z.string('Give the item’s fullStatement').trim().min(1, 'Give the item’s fullStatement'),
  abbreviatedStatement: optionalText,
  humanCodingScheme: optionalText,
  CFItemType: optionalText,
  notes: optionalText,
  uri: z.string().optional(),
  lastChangeDateTime: dateTime('the item’s lastChangeDateTime').optional(),
});

export const CFAssociation = z.object({
  identifier: uuid('CFAssociation').optional(),
  associationType: z.string('Give the associationType').trim().min(1, 'Give the associationType'),
  originNodeURI: LinkGenURI,
  destinationNodeURI: LinkGenURI,
  sequenceNumber: z.coerce.number('The sequenceNumber must be a number').int('The sequenceNumber must be a whole number').optional(),
});

export const CFPackage = z.object(
  {
    CFDocument,
    CFItems: z.array(CFItem, 'CFItems must be a list').max(2000, 'Use at most 2000 CFItems'),
    CFAssociations: z.array(CFAssociation, 'CFAssociations must be a list').max(4000, 'Use at most 4000 CFAssociations'),
  },
  'A CASE package is a JSON object',
);

export type CFItem = z.infer<typeof CFItem>;
export type CFAssociation = z.infer<typeof CFAssociation>;
export type CFPackage = z.infer<typeof CFPackage>;

/** A JSON value that looks like a CASE package rather than a PD Pathways framework file. */
export function looksLikeCase(raw: unknown): boolean {
  return !!raw && typeof raw === 'object' && ('CFDocument' in raw || 'CFItems' in raw);
}
