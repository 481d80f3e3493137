// What the API's HTML documents (invoice, credit note, payee statement) share: escaping, and one page shell with the
// same plain print style, so a document reads the same in a browser, a mail client and Chromium's PDF rendering.

/** Text as HTML: the five characters that could open markup or end an attribute, escaped. */
export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  );

const DOCUMENT_STYLE = `body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}.n{text-align:right}.totals td{border:none}`;

/** A whole page: `title` is text (escaped here), `body` is HTML, `style` extra CSS of the document. */
export function documentPage(title: string, body: string, style = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>${escapeHtml(title)}</title>
<style>
${DOCUMENT_STYLE}${style ? `\n${style}` : ''}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}
