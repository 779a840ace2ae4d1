"""SentencePiece glue: training the fixture tokenizer with Needle's options, and the encode helpers."""
import os
import shutil
import subprocess
import tempfile

import sentencepiece as spm

PAD, EOS, BOS, UNK, TOOL_CALL, TOOLS = 0, 1, 2, 3, 4, 5


def train_tokenizer(lines, model_prefix, vocab_size):
    """spm_train BPE with byte fallback, identity normalization, user symbols <tool_call>,<tools>; ids pad 0 eos 1 bos 2
    unk 3 (so <tool_call>=4, <tools>=5). Single-threaded and unshuffled so it is deterministic."""
    # Relative paths inside a temp dir: the .model embeds its trainer spec (input/prefix), so this keeps it byte-stable.
    with tempfile.TemporaryDirectory() as td:
        with open(os.path.join(td, "corpus.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        args = [
            "--input=corpus.txt", "--model_prefix=tokenizer", f"--vocab_size={vocab_size}",
            "--model_type=bpe", "--byte_fallback=true", "--normalization_rule_name=identity",
            "--user_defined_symbols=<tool_call>,<tools>", "--pad_id=0", "--eos_id=1", "--bos_id=2", "--unk_id=3",
            "--num_threads=1", "--shuffle_input_sentence=false", "--input_sentence_size=0",
            "--character_coverage=0.9995", "--minloglevel=2",
        ]
        if shutil.which("spm_train"):
            subprocess.run(["spm_train"] + args, check=True, cwd=td, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:  # same library (libsentencepiece), through the Python binding
            cwd = os.getcwd()
            os.chdir(td)
            try:
                spm.SentencePieceTrainer.train(" ".join(args))
            finally:
                os.chdir(cwd)
        shutil.copyfile(os.path.join(td, "tokenizer.model"), model_prefix + ".model")
    sp = load(model_prefix + ".model")
    assert [sp.id_to_piece(i) for i in range(6)] == ["<pad>", "</s>", "<s>", "<unk>", "<tool_call>", "<tools>"]
    return sp


def load(path):
    return spm.SentencePieceProcessor(model_file=path)
