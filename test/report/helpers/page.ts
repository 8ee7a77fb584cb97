/** What report.html holds of its own beside the study's strings: its two script elements (page-data.ts, client.ts). */
import { expect } from 'vitest';

export const OWN_SCRIPTS = ['<script type="application/json" id="trials-data">', '<script>'];

/**
 * `html` without the page's own two script tags, after checking that they are the only ones and that
 * exactly two elements end (a user string that closed the JSON element early would make three): what
 * remains must hold no markup from a user string.
 */
export function withoutOwnScripts(html: string): string {
  expect(html.match(/<script\b[^>]*>/gi)).toEqual(OWN_SCRIPTS);
  expect(html.match(/<\/script/gi)).toHaveLength(2);
  return html.split(OWN_SCRIPTS[0]!).join('').split(OWN_SCRIPTS[1]!).join('').split('</script>').join('');
}
