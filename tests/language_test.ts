import assert from "node:assert/strict";
import {
  languageStats,
  meanLength,
  messageCounts,
  messageEntropy,
  vocabularyUsed,
} from "../src/analysis/language.ts";

// four messages of width 4; cut at the first EOS (kept): [3,0] [3,0] [7,2,0] [5,5,5,5]
const block = { data: new Uint16Array([3, 0, 9, 9, 3, 0, 1, 1, 7, 2, 0, 4, 5, 5, 5, 5]), width: 4 };

Deno.test("meanLength() counts up to and including the first EOS", () => {
  assert.equal(meanLength(block), (2 + 2 + 3 + 4) / 4);
});

Deno.test("vocabularyUsed() counts distinct non-EOS symbols before the EOS", () => {
  assert.equal(vocabularyUsed(block), 4); // 3, 7, 2, 5; not 9, 1, 4 after an EOS
});

Deno.test("messageEntropy() is the entropy in bits of whole cut messages", () => {
  assert.deepEqual([...messageCounts(block).entries()], [["3,0", 2], ["7,2,0", 1], ["5,5,5,5", 1]]);
  assert.equal(messageEntropy(block), 1.5); // p = 1/2, 1/4, 1/4
  assert.equal(messageEntropy({ data: new Uint8Array([1, 0, 1, 0]), width: 2 }), 0);
});

Deno.test("languageStats() gathers every statistic", () => {
  assert.deepEqual(languageStats(block), {
    count: 4,
    meanLength: 2.75,
    vocabularyUsed: 4,
    entropyBits: 1.5,
    distinctMessages: 3,
  });
  assert.throws(() => languageStats({ data: new Uint8Array(3), width: 2 }), /n x 2/);
});
