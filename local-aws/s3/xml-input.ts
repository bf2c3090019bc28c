// Request bodies in XML. Unlike the shared parser, values keep their whitespace (an object key may
// start or end with a space) and numeric character references (`&#x0A;`, which the SDK uses for
// line breaks in keys) are decoded. DTDs are refused outright: no entity expansion.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { child, children, malformedXml, text, type ParsedXml, type ParsedXmlValue } from '../protocols/xml.ts';

export { child, children };

export function parseS3Xml(body: Buffer, arrayTags: readonly string[] = []): ParsedXml {
  const xml = body.toString('utf8');
  if (!xml.trim() || /<!DOCTYPE|<!ENTITY/i.test(xml) || XMLValidator.validate(xml) !== true) throw malformedXml();
  const arrays = new Set(arrayTags);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: false,
    processEntities: true,
    htmlEntities: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name) => arrays.has(name),
  });
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch {
    throw malformedXml();
  }
  if (!parsed || typeof parsed !== 'object') throw malformedXml();
  return parsed as ParsedXml;
}

/** Text of an element ('' when absent; an element with children has no text of its own). */
export function textOf(node: ParsedXmlValue | undefined): string {
  return text(node);
}

/** `true`/`false` element, as S3 reads it (absent = fallback). */
export function boolOf(node: ParsedXmlValue | undefined, fallback = false): boolean {
  const t = textOf(node).trim().toLowerCase();
  if (t === '') return fallback;
  return t === 'true';
}
