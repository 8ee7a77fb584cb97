/**
 * Tests that need a tool from outside npm (redis-server, chromium, Dawn's binding). In CI (env `CI` set,
 * as .ci/run and CI services do) a missing tool is a failure: the suite gets one failing test naming the
 * tool, never a silent skip. Elsewhere the tests are skipped, listed under a title that says why, and
 * the reason is printed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export interface Tool {
  name: string;
  present: boolean;
  /** Why it is missing and how to install it. */
  reason: string;
}

export const IN_CI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

function missingInCi(tool: Tool): () => never {
  return () => {
    throw new Error(`${tool.name} is missing in CI, where these tests must run: ${tool.reason}`);
  };
}

/** `describe(title, body)` when the tool is present; see the file comment otherwise. */
export function describeWithTool(tool: Tool, title: string, body: () => void): void {
  if (tool.present) describe(title, body);
  else if (IN_CI) describe(title, () => it(`needs ${tool.name}`, missingInCi(tool)));
  else {
    console.warn(`${title}: skipped: ${tool.reason}`);
    describe.skip(`${title} (skipped: ${tool.reason})`, body);
  }
}

/** `it(title, fn, timeout)` when the tool is present; see the file comment otherwise. */
export function itWithTool(tool: Tool, title: string, fn: () => unknown, timeout?: number): void {
  if (tool.present) it(title, fn, timeout);
  else if (IN_CI) it(`${title} (needs ${tool.name})`, missingInCi(tool));
  else {
    console.warn(`${title}: skipped: ${tool.reason}`);
    it.skip(`${title} (skipped: ${tool.reason})`, fn);
  }
}

/** Dawn's Node binding, the optional dependency `webgpu` (what `--backend webgpu` loads). */
export const DAWN_TOOL: Tool & { binary: string } = {
  name: "Dawn's Node binding (npm package webgpu)",
  present: existsSync(fileURLToPath(new URL('../../node_modules/webgpu/package.json', import.meta.url))),
  reason: 'the optional dependency webgpu is not installed (npm ci installs it on linux-x64)',
  binary: fileURLToPath(new URL('../../node_modules/webgpu/dist/linux-x64/dawn.node', import.meta.url)),
};
