import { CaseSource, CompetencyShape, DomainShape, LEVEL_NAMES, stableUuid } from './rules';

/** What a framework needs to be written as a CASE package; every identifier is already stable. */
export interface ExportableFramework {
  caseId: string;
  name: string;
  description: string;
  updatedAt: Date;
  caseSource?: CaseSource;
  domains: (DomainShape & { caseId: string })[];
  competencies: (CompetencyShape & { caseId: string })[];
}

interface Node {
  identifier: string;
  uri: string;
  title: string;
}

const urn = (id: string) => `urn:uuid:${id}`;

/**
 * The framework as a CASE 1.0 CFPackage: the CFDocument, one CFItem per domain ("Domain"), competency
 * ("Competency") and level descriptor ("Performance Level"), and isChildOf associations with sequenceNumber.
 * Level identifiers derive from their competency's, so an export, re-import and export give the same ids.
 * Item URIs are urn:uuid: this tool does not serve a CASE API to resolve them.
 */
export function casePackage(fw: ExportableFramework, creator: string) {
  const changed = fw.updatedAt.toISOString();
  const docNode: Node = { identifier: fw.caseId, uri: fw.caseSource?.uri || urn(fw.caseId), title: fw.name };
  const CFDocumentURI = docNode;
  const items: Record<string, unknown>[] = [];
  const associations: Record<string, unknown>[] = [];
  const place = (node: Node, fields: Record<string, string>, parent: Node, sequenceNumber: number) => {
    items.push({ identifier: node.identifier, uri: node.uri, ...fields, lastChangeDateTime: changed, CFDocumentURI });
    const identifier = stableUuid(node.identifier, 'isChildOf', parent.identifier);
    associations.push({ identifier, uri: urn(identifier), associationType: 'isChildOf', originNodeURI: node, destinationNodeURI: parent, sequenceNumber, lastChangeDateTime: changed, CFDocumentURI });
  };
  fw.domains.forEach((d, i) => {
    const domain = { identifier: d.caseId, uri: urn(d.caseId), title: d.name };
    place(domain, { fullStatement: d.name, humanCodingScheme: d.code, CFItemType: 'Domain' }, docNode, i + 1);
    fw.competencies
      .filter((c) => c.domain === d.code)
      .forEach((c, j) => {
        const competency = { identifier: c.caseId, uri: urn(c.caseId), title: c.name };
        place(competency, { fullStatement: c.name, humanCodingScheme: c.code, CFItemType: 'Competency', ...(c.description ? { notes: c.description } : {}) }, domain, j + 1);
        c.levels.forEach((descriptor, k) => {
          const id = stableUuid(c.caseId, 'level', String(k + 1));
          const level = { identifier: id, uri: urn(id), title: LEVEL_NAMES[k]! };
          place(level, { fullStatement: descriptor, abbreviatedStatement: LEVEL_NAMES[k]!, humanCodingScheme: `${c.code}.${k + 1}`, CFItemType: 'Performance Level' }, competency, k + 1);
        });
      });
  });
  return {
    CFDocument: {
      identifier: fw.caseId,
      uri: docNode.uri,
      creator: fw.caseSource?.creator || creator,
      title: fw.name,
      lastChangeDateTime: changed,
      ...(fw.description ? { description: fw.description } : {}),
      ...(fw.caseSource?.version ? { version: fw.caseSource.version } : {}),
      CFPackageURI: docNode,
    },
    CFItems: items,
    CFAssociations: associations,
  };
}
