// Produces qwen3_reference_ids.jsonl: Hugging Face's own JavaScript tokenizer (an implementation independent of
// Microsoft.ML.Tokenizers) run on the real Qwen3 tokenizer.json. See README.md in this folder for the exact steps.
// Usage: node make_reference.mjs TOKENIZER_DIR CORPUS_JSON > qwen3_reference_ids.jsonl
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const [dir, corpusPath] = process.argv.slice(2);
const tokenizerJson = JSON.parse(readFileSync(`${dir}/tokenizer.json`, "utf8"));
const tokenizerConfig = JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, "utf8"));
const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
for (const text of JSON.parse(readFileSync(corpusPath, "utf8"))) {
  const { ids } = tokenizer.encode(text, { add_special_tokens: false });
  process.stdout.write(JSON.stringify({ text, ids }) + "\n");
}
