// Text and attribute values for the XML we write by hand (sitemap.xml, JUnit reports).

/** Control characters XML 1.0 cannot hold, even as references. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it replaces.
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Escapes markup characters (and CR, so attribute values keep it); characters XML cannot hold are shown as `\xHH`. */
export function escapeXml(text: string): string {
  return text
    .replace(XML_FORBIDDEN, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;');
}
