#!/usr/bin/python3
"""The needle-mini tokenizer recipe: makes its own corpus and trains a SentencePiece BPE model with Needle's options.

1. `needle corpus` writes 40,000 catalogue examples (seed 42, training tools only; the held-out tools stay unseen).
2. The text the model reads and writes is extracted: each query, the Needle-form tool list and the answers JSON.
3. sentencepiece (python3-sentencepiece; Debian's spm_train takes the same flags) trains BPE with byte fallback,
   identity normalization, pad 0 / eos 1 / bos 2 / unk 3 and the user symbols <tool_call> and <tools>.

Writes checkpoints/needle-mini/needle-mini.model (and .vocab). Deterministic for the same corpus.
Usage: /usr/bin/python3 tools/mini/make_tokenizer.py [--vocab 4096] [--count 40000] [--needle "dotnet run --project src/Needle.Cli --"]
"""
import argparse, json, os, shlex, subprocess, sys, tempfile

import sentencepiece as spm

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--count", type=int, default=40000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=os.path.join(ROOT, "checkpoints", "needle-mini"))
    ap.add_argument("--needle", default="dotnet run --project " + os.path.join(ROOT, "src", "Needle.Cli") + " -c Release --")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.jsonl")
        subprocess.run(shlex.split(args.needle) + ["corpus", "--count", str(args.count), "--seed", str(args.seed),
                                                    "--catalog", os.path.join(ROOT, "src", "Needle.Synthesis", "Catalog", "Data"), "--out", corpus], check=True)
        text = os.path.join(tmp, "text.txt")
        with open(corpus, encoding="utf-8") as src, open(text, "w", encoding="utf-8") as dst:
            for line in src:
                r = json.loads(line)
                for field in ("query", "tools", "answers"):
                    if r[field] and r[field] != "[]":
                        dst.write(r[field].replace("\n", " ") + "\n")
        # The model file records its input and prefix paths: relative names keep it byte-identical across runs.
        prefix = os.path.join(tmp, "needle-mini")
        cwd = os.getcwd()
        os.chdir(tmp)
        spm.SentencePieceTrainer.train(
            input="text.txt", model_prefix="needle-mini", model_type="bpe", vocab_size=args.vocab, character_coverage=1.0,
            byte_fallback=True, normalization_rule_name="identity", remove_extra_whitespaces=False,
            pad_id=0, eos_id=1, bos_id=2, unk_id=3, user_defined_symbols=["<tool_call>", "<tools>"],
            input_sentence_size=2000000, shuffle_input_sentence=False, max_sentence_length=16384, num_threads=1)
        os.chdir(cwd)
        for ext in (".model", ".vocab"):
            _copy(prefix + ext, os.path.join(args.out, "needle-mini" + ext))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.out, "needle-mini.model"))
    print(f"needle-mini.model: {sp.get_piece_size()} pieces; '<tool_call>' -> {sp.encode('<tool_call>')}")


def _copy(src, dst):
    # Atomic: temp file beside the target, then rename.
    tmp = dst + ".tmp"
    with open(src, "rb") as a, open(tmp, "wb") as b:
        b.write(a.read())
    os.replace(tmp, dst)


if __name__ == "__main__":
    sys.exit(main())
