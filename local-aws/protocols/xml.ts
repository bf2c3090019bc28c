// XML both ways for the XML protocols (S3's rest-xml, and the query protocol of IAM, STS and SNS).
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AwsError } from '../core/errors.ts';

export type XmlValue = string | number | boolean | Date | undefined | null | XmlNode | XmlValue[];
export interface XmlNode {
  [tag: string]: XmlValue;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** Dates as AWS's XML protocols write them: ISO 8601 with milliseconds, UTC. */
function scalar(value: string | number | boolean | Date): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

function element(tag: string, value: XmlValue, out: string[]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    // An array repeats the element; `{ member: [] }` therefore renders an empty wrapper.
    for (const item of value) element(tag, item, out);
    return;
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    out.push(`<${tag}>`);
    for (const [child, v] of Object.entries(value)) element(child, v, out);
    out.push(`</${tag}>`);
    return;
  }
  out.push(`<${tag}>${scalar(value)}</${tag}>`);
}

/** `<?xml …?><root xmlns="…">…</root>` from a plain object tree. */
export function toXml(root: string, value: XmlNode | string, xmlns?: string): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  const open = xmlns ? `<${root} xmlns="${xmlns}">` : `<${root}>`;
  if (typeof value === 'string') {
    out.push(value === '' && xmlns ? `<${root} xmlns="${xmlns}"/>` : `${open}${escapeXml(value)}</${root}>`);
    return out.join('');
  }
  out.push(open);
  for (const [child, v] of Object.entries(value)) element(child, v, out);
  out.push(`</${root}>`);
  return out.join('');
}

/** Fragment without the declaration, for embedding. */
export function xmlFragment(value: XmlNode): string {
  const out: string[] = [];
  for (const [child, v] of Object.entries(value)) element(child, v, out);
  return out.join('');
}

export type ParsedXml = { [tag: string]: ParsedXmlValue };
export type ParsedXmlValue = string | ParsedXml | ParsedXmlValue[];

const MALFORMED_XML = 'The XML you provided was not well-formed or did not validate against our published schema';

/**
 * Parses a request body. Elements named in `arrayTags` are always arrays (even with one item);
 * everything else is a string or an object. Broken XML -> `MalformedXML`.
 */
export function parseXml(body: Buffer | string, arrayTags: readonly string[] = []): ParsedXml {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (!text.trim() || XMLValidator.validate(text) !== true) throw new AwsError('MalformedXML', MALFORMED_XML, 400);
  const arrays = new Set(arrayTags);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
    ignoreDeclaration: true,
    isArray: (name) => arrays.has(name),
  });
  const parsed = parser.parse(text) as ParsedXml;
  if (!parsed || typeof parsed !== 'object') throw new AwsError('MalformedXML', MALFORMED_XML, 400);
  return parsed;
}

export function malformedXml(): AwsError {
  return new AwsError('MalformedXML', MALFORMED_XML, 400);
}

/** Reads a child as text ('' when absent or empty). */
export function text(node: ParsedXmlValue | undefined): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return text(node[0]);
  return '';
}

/** Reads a child as an object (undefined when absent; an empty element reads as {}). */
export function child(node: ParsedXmlValue | undefined, tag: string): ParsedXmlValue | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  return node[tag];
}

export function children(node: ParsedXmlValue | undefined, tag: string): ParsedXmlValue[] {
  const c = child(node, tag);
  if (c === undefined) return [];
  return Array.isArray(c) ? c : [c];
}
