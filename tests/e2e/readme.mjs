// The README's code blocks, for the tests that run them as written.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";

/** Every fenced block of README.md: { line, lang, code } (an indented block loses its indent). */
export function readmeBlocks() {
  const lines = readFileSync(join(ROOT, "README.md"), "utf8").split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^( *)```([a-z]+)$/);
    if (!open) continue;
    const indent = open[1].length;
    const start = i;
    const body = [];
    for (i++; i < lines.length && lines[i] !== `${open[1]}\`\`\``; i++) body.push(lines[i].slice(indent));
    blocks.push({ line: start + 1, lang: open[2], code: `${body.join("\n")}\n` });
  }
  return blocks;
}

/** The one README block that contains `marker`. */
export function readmeBlock(marker) {
  const found = readmeBlocks().filter((block) => block.code.includes(marker));
  assert.equal(found.length, 1, `exactly one README block should contain ${JSON.stringify(marker)}`);
  return found[0].code;
}
