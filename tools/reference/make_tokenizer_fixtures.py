#!/usr/bin/python3
"""Golden fixtures for Needle's SentencePiece tokenizer, made with Debian's python3-sentencepiece (0.1.97).

Run with Debian's python (it has sentencepiece):   /usr/bin/python3 tools/reference/make_tokenizer_fixtures.py

Writes to tests/Needle.Core.Tests/Fixtures/Tokenizer/:
  <name>.model            tokenizer models trained here on a corpus this script makes (deterministic)
  needle-like-8192.model  the Needle-like model (BPE, vocab 8192, byte fallback, identity, <tool_call>=4, <tools>=5)
  texts.json.gz           the test strings (shared by every model)
  <name>.golden.json.gz   per model: ids, pieces and decoded text of every test string, and decode-goldens for random
                          id sequences (byte pieces forming invalid UTF-8, control ids, unk)
  nfkc-*.model etc.       variations that exercise the normalizer flags and the precompiled charsmap

Everything is derived from fixed seeds; gzip files are written with mtime 0 so reruns give identical bytes.
"""
import gzip
import io
import json
import os
import random
import sys
import tempfile

import sentencepiece as spm

assert spm.__version__ == "0.1.97", spm.__version__

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "Needle.Core.Tests", "Fixtures", "Tokenizer")

# ----------------------------------------------------------------------------------------------------------------
# Corpus and test strings: JSON tool schemas, tool-call answers, queries in many languages, code-ish text.

WORDS_EN = ("weather city forecast temperature send email message calendar event meeting reminder alarm timer "
            "search web query music play pause volume light turn on off thermostat set get list create delete "
            "update user name date time location address phone number contact note title description query "
            "tomorrow today morning evening please could you what is the in for at to and of with my me").split()
QUERIES = [
    "What's the weather in Paris tomorrow?", "Set an alarm for 7:30 am", "Send an email to Bob about the meeting",
    "Wie ist das Wetter in Berlin?", "Quel temps fait-il à Montréal ce week-end ?", "¿Qué tiempo hace en Madrid?",
    "Che tempo fa a Roma domani?", "Qual é a previsão do tempo em São Paulo?", "Какая погода в Москве?",
    "東京の天気はどうですか？", "明天北京的天气怎么样？", "서울 날씨 어때요?", "ما هو الطقس في القاهرة؟",
    "מה מזג האוויר בתל אביב?", "मुंबई में मौसम कैसा है?", "Hava İstanbul'da nasıl?", "Jaka jest pogoda w Krakowie?",
    "Thời tiết ở Hà Nội thế nào?", "อากาศที่กรุงเทพเป็นอย่างไร", "Πώς είναι ο καιρός στην Αθήνα;",
    "Turn off the lights in the living room 💡", "Play some jazz 🎷🎶", "Remind me to call mom ❤️ at 5pm",
    "Book a table for 2 at 8pm 🍝", "Convert 100 USD to EUR", "Translate 'good morning' to Japanese",
]
TOOL_NAMES = ["get_weather", "send_email", "set_alarm", "create_event", "search_web", "play_music", "set_timer",
              "turn_on_light", "convert_currency", "translate_text", "get_stock_price", "book_restaurant"]
PARAMS = ["location", "city", "date", "time", "to", "subject", "body", "query", "amount", "from_currency",
          "to_currency", "text", "target_language", "symbol", "volume", "duration", "brightness", "room", "party_size"]
CODE = [
    "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; i++) { sum += a[i]; }",
    "if x != None and len(x) > 0:\n\tprint(x[0])", "const y = await fetch(`/api/v1/items?id=${id}`);",
    "SELECT name, count(*) FROM users GROUP BY name;", "public static int Add(int a, int b) => a + b;",
    "<div class=\"row\"><span>{{ title }}</span></div>", "x = {'a': [1, 2, 3], 'b': (4, 5)}",
]
EMOJI = "😀😂🤖🚀🌍🔥✨🎉👍🏽👩‍💻🇫🇷🧪🦀🐍☕️⚡"
UNICODE_EXTRA = "ÀÉÎÕÜßçñøåæœŁŚŽđħıĳǅǈǋ€£¥₹₽©®™°±×÷≤≥≠∞∑√∫≈µ¶§¿¡«»„“”‘’–—…•·†‡‰′″‹›ªº¹²³¼½¾"


def tool_schema(rng):
    name = rng.choice(TOOL_NAMES)
    props = {}
    for p in rng.sample(PARAMS, rng.randint(1, 4)):
        props[p] = {"type": rng.choice(["string", "integer", "number", "boolean"]),
                    "description": " ".join(rng.choice(WORDS_EN) for _ in range(rng.randint(2, 8)))}
    schema = {"name": name, "description": " ".join(rng.choice(WORDS_EN) for _ in range(rng.randint(3, 12))),
              "parameters": {"type": "object", "properties": props, "required": list(props)[:1]}}
    compact = rng.random() < 0.5
    return json.dumps(schema, separators=(",", ":") if compact else None, ensure_ascii=rng.random() < 0.5)


def tool_call(rng):
    args = {p: rng.choice([rng.choice(WORDS_EN), rng.randint(0, 10000), rng.random() < 0.5,
                           rng.choice(QUERIES)[:20]]) for p in rng.sample(PARAMS, rng.randint(0, 3))}
    return json.dumps([{"name": rng.choice(TOOL_NAMES), "arguments": args}], separators=(",", ":"),
                      ensure_ascii=rng.random() < 0.7)


def sentence(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice(QUERIES)
    if kind == 1:
        return tool_schema(rng)
    if kind == 2:
        return tool_call(rng)
    if kind == 3:
        return rng.choice(CODE).replace("\n", " ").replace("\t", " ")
    if kind == 4:
        return " ".join(rng.choice(WORDS_EN) for _ in range(rng.randint(3, 20))).capitalize() + rng.choice(".?!")
    return rng.choice(QUERIES) + " " + rng.choice(QUERIES)


def make_corpus(path, n_lines, seed, ascii_only=False):
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n_lines):
            line = sentence(rng)
            if rng.random() < 0.05:
                line = line + " <tool_call>" + tool_call(rng)
            if rng.random() < 0.05:
                line = "<tools>" + tool_schema(rng)
            if ascii_only:  # few required chars, so a tiny vocab leaves room for merges; the rest is bytes
                line = line.encode("ascii", "ignore").decode("ascii")
            f.write(line + "\n")


def random_unicode_text(rng, n):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            out.append(chr(rng.randint(0x20, 0x7E)))
        elif r < 0.5:
            out.append(rng.choice(" \t\n\r  \u3000\u2581\u00a0"))
        elif r < 0.6:
            out.append(rng.choice(EMOJI))
        elif r < 0.7:
            out.append(rng.choice(UNICODE_EXTRA))
        elif r < 0.8:
            out.append(chr(rng.randint(0x4E00, 0x9FFF)))
        elif r < 0.85:
            out.append(chr(rng.randint(0, 0x1F)))
        elif r < 0.9:
            out.append(rng.choice(["<tool_call>", "<tools>", "<s>", "</s>", "<unk>", "<pad>", "<0x41>", "<tool",
                                   "<tool_call", "tools>"]))
        else:
            cp = rng.randint(0x80, 0x10FFFF)
            if 0xD800 <= cp <= 0xDFFF:
                cp = 0xFFFD
            out.append(chr(cp))
    return "".join(out)


def make_texts():
    rng = random.Random(20261122)
    texts = [
        "", " ", "  ", "   ", "\t", "\n", "\r\n", " \t \n ", "a", " a", "a ", "  a  ", "a  b", "a   b    c", " a b ",
        "Hello world", "Hello  world", " Hello world ", "hello\tworld", "hello\nworld", "hello \n world",
        "▁", "▁▁", "a▁", "▁a", " ▁ ", "a ▁", "▁ a", "\u3000", "a\u3000b", "\u00a0a\u00a0", "\x00", "a\x00b",
        "<tool_call>", "<tools>", "<tool_call><tools>", " <tool_call> ", "x<tool_call>y", "<tool_call>[]",
        "<tool_call>[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Paris\"}}]", "<tools><tool_call>",
        "<tool_call", "<tools", "tool_call>", "<<tool_call>>", "<tool_call >", "<TOOL_CALL>", "<tool_call>  x",
        "<s>", "</s>", "<unk>", "<pad>", "<s>hello</s>", "<0x41>", "<0x0A>", "<0xZZ>",
        "😀", "👩‍💻", "🇫🇷", "👍🏽", "a😀b", " 😀 ", "東京", "é", "é", "ñandú", "\u200b", "\ufeffabc", "\ufffd",
        "\U0010FFFF", "\U0001F600\U0001F600\U0001F600", "ΑΒΓ", "ქართული", "ܐܒܓ", "ᚠᚢᚦ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ﬁ", "Ⅻ", "①", "ｱｲｳ",
        "Ｈｅｌｌｏ", "ﾊﾝｶｸ", "㍿", "½", "x²", "Å", "Å", "ǅ",
    ]
    texts += QUERIES + CODE
    for _ in range(600):
        texts.append(tool_schema(rng))
    for _ in range(600):
        texts.append(tool_call(rng))
    for _ in range(400):
        texts.append(sentence(rng))
    for _ in range(500):
        texts.append(random_unicode_text(rng, rng.randint(1, 40)))
    for _ in range(300):  # whitespace edge cases around words
        ws = lambda: "".join(rng.choice(" \t\n") for _ in range(rng.randint(0, 4)))
        texts.append(ws() + rng.choice(WORDS_EN) + ws() + rng.choice(WORDS_EN) + ws())
    for _ in range(200):  # inline user symbols
        texts.append(rng.choice(QUERIES) + rng.choice(["<tool_call>", "<tools>", " <tool_call> ", "<tools> "]) +
                     tool_call(rng))
    for _ in range(20):  # long inputs
        texts.append(" ".join(sentence(rng) for _ in range(rng.randint(20, 60))))
    texts.append(random_unicode_text(rng, 3000))
    texts.append("a" * 2000)
    texts.append(" " * 500 + "x" + " " * 500)
    texts.append("😀" * 300)
    return texts


# ----------------------------------------------------------------------------------------------------------------
# Models. NEEDLE has Needle's training options; the others vary the flags and the size.

NEEDLE = dict(model_type="bpe", byte_fallback=True, normalization_rule_name="identity",
              user_defined_symbols="<tool_call>,<tools>", pad_id=0, eos_id=1, bos_id=2, unk_id=3)

MODELS = [
    # name, vocab, corpus lines, extra options
    ("needle-like-8192", 8192, 60000, {}),
    ("bpe-400-ascii", 400, 3000, {"ascii_corpus": True}),
    ("bpe-1000-nodummy-keepspaces", 1000, 8000, {"add_dummy_prefix": False, "remove_extra_whitespaces": False}),
    ("bpe-1000-keepspaces", 1000, 8000, {"remove_extra_whitespaces": False}),
    ("bpe-1000-noescape", 1000, 8000, {"edit": "noescape"}),
    ("bpe-1000-unused", 1000, 8000, {"edit": "unused"}),
    ("bpe-800-nobytefallback", 800, 8000, {"byte_fallback": False, "character_coverage": 0.99}),
    ("bpe-1000-nfkc", 1000, 8000, {"normalization_rule_name": "nmt_nfkc"}),
    ("bpe-1000-suffix", 1000, 8000, {"treat_whitespace_as_suffix": True}),
    # A denormalizer (decode-side charsmap: "a" -> "A", "ü" -> "ue") and a custom unknown surface.
    ("bpe-1000-denorm", 1000, 8000, {"denormalization_rule_tsv": "DENORM_TSV", "unk_surface": "<?>"}),
]

DENORM_TSV = "61\t41\nFC\t75 65\n"


def train(name, vocab, lines, extra, workdir):
    # Relative names: the model stores its input and prefix paths, and a temp dir name would make it differ per run.
    os.chdir(workdir)
    corpus = name + ".txt"
    opts = dict(NEEDLE)
    opts.update(extra)
    make_corpus(corpus, lines, seed=hash_seed(name), ascii_only=opts.pop("ascii_corpus", False))
    prefix = name
    edit = opts.pop("edit", None)
    if opts.get("denormalization_rule_tsv") == "DENORM_TSV":
        with open("denorm.tsv", "w") as f:
            f.write(DENORM_TSV)
        opts["denormalization_rule_tsv"] = "denorm.tsv"
    spm.SentencePieceTrainer.train(input=corpus, model_prefix=prefix, vocab_size=vocab, num_threads=1,
                                   minloglevel=2, **opts)
    with open(prefix + ".model", "rb") as f:
        model = f.read()
    return EDITS[edit](model) if edit else model


# ----------------------------------------------------------------------------------------------------------------
# Model edits the trainer cannot make (python3-protobuf is absent, so a minimal protobuf rewriter).

def read_varint(b, i):
    shift = value = 0
    while True:
        c = b[i]
        i += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return value, i


def varint(v):
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        if v:
            out.append(c | 0x80)
        else:
            out.append(c)
            return bytes(out)


def parse_fields(b):
    """[(field, wire, value)] where value is an int (varint), bytes (len-delimited) or raw bytes (fixed)."""
    i, out = 0, []
    while i < len(b):
        key, i = read_varint(b, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = read_varint(b, i)
        elif wire == 2:
            n, i = read_varint(b, i)
            v, i = b[i:i + n], i + n
        elif wire == 5:
            v, i = b[i:i + 4], i + 4
        elif wire == 1:
            v, i = b[i:i + 8], i + 8
        else:
            raise ValueError("unexpected wire type %d" % wire)
        out.append((field, wire, v))
    return out


def write_fields(fields):
    out = bytearray()
    for field, wire, v in fields:
        out += varint(field << 3 | wire)
        if wire == 0:
            out += varint(v)
        elif wire == 2:
            out += varint(len(v)) + v
        else:
            out += v
    return bytes(out)


def set_normalizer_flag(model, flag_field, value):
    fields = parse_fields(model)
    edited = []
    for f, w, v in fields:
        if f == 3:  # normalizer_spec
            spec = [x for x in parse_fields(v) if x[0] != flag_field] + [(flag_field, 0, int(value))]
            v = write_fields(spec)
        edited.append((f, w, v))
    return write_fields(edited)


def mark_unused(model):
    """Every 5th multi-character NORMAL piece becomes UNUSED (type 5): exercises BPE resegmentation."""
    fields = parse_fields(model)
    edited, k = [], 0
    for f, w, v in fields:
        if f == 1:  # pieces
            piece = parse_fields(v)
            text = next(x[2] for x in piece if x[0] == 1).decode("utf-8")
            ptype = next((x[2] for x in piece if x[0] == 3), 1)
            if ptype == 1 and len(text) > 1:
                k += 1
                if k % 5 == 0:
                    v = write_fields([x for x in piece if x[0] != 3] + [(3, 0, 5)])
        edited.append((f, w, v))
    return write_fields(edited)


EDITS = {
    "noescape": lambda m: set_normalizer_flag(m, 5, False),  # escape_whitespaces (the BPE trainer refuses it)
    "unused": mark_unused,
}


def hash_seed(name):
    return sum((i + 1) * ord(c) for i, c in enumerate(name))


def random_id_sequences(sp, rng):
    n = sp.get_piece_size()
    byte_ids = [i for i in range(n) if sp.is_byte(i)]
    special = [i for i in range(n) if sp.is_control(i) or sp.is_unknown(i)] + [4, 5]
    seqs = []
    for k in range(300):
        length = rng.randint(0, 24)
        seq = []
        for _ in range(length):
            r = rng.random()
            if r < 0.45 and byte_ids:
                seq.append(rng.choice(byte_ids))
            elif r < 0.55:
                seq.append(rng.choice(special))
            else:
                seq.append(rng.randrange(n))
        seqs.append(seq)
    # Byte runs that are valid / invalid UTF-8 on purpose.
    if byte_ids:
        b = lambda v: sp.piece_to_id("<0x%02X>" % v)
        for raw in [b"\xe2\x82\xac", b"\xe2\x82", b"\x80", b"\xff\xfe", b"\xf0\x9f\x98\x80", b"\xf0\x9f\x98",
                    b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xef\xbf\xbd", b"a\xc3", b"\xc3\xa9\xc3"]:
            seqs.append([b(v) for v in raw])
            seqs.append([sp.piece_to_id("▁the") if sp.piece_to_id("▁the") != sp.unk_id() else 7] + [b(v) for v in raw])
    return seqs


def gz_json(path, obj):
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as g:
        g.write(data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def main():
    os.makedirs(OUT, exist_ok=True)
    texts = make_texts()
    gz_json(os.path.join(OUT, "texts.json.gz"), texts)
    with tempfile.TemporaryDirectory() as work:
        for name, vocab, lines, extra in MODELS:
            model = train(name, vocab, lines, extra, work)
            with open(os.path.join(OUT, name + ".model"), "wb") as f:
                f.write(model)
            sp = spm.SentencePieceProcessor(model_proto=model)
            ids = [sp.encode(t) for t in texts]
            pieces = [sp.encode(t, out_type=str) for t in texts]
            decoded = [sp.decode(x) for x in ids]
            rng = random.Random(hash_seed(name) + 1)
            seqs = random_id_sequences(sp, rng)
            spec = {
                "vocab_size": sp.get_piece_size(), "unk_id": sp.unk_id(), "bos_id": sp.bos_id(),
                "eos_id": sp.eos_id(), "pad_id": sp.pad_id(),
                "pieces": [sp.id_to_piece(i) for i in range(sp.get_piece_size())],
            }
            golden = {
                "spec": spec,
                "ids": ids,
                # pieces only where they differ from the pieces of the ids (merged unknown runs)
                "pieces": {str(i): p for i, p in enumerate(pieces) if p != [sp.id_to_piece(x) for x in ids[i]]},
                # decoded only where it differs from the input text
                "decoded": {str(i): d for i, d in enumerate(decoded) if d != texts[i]},
                "decode_ids": seqs,
                "decode_text": [sp.decode(s) for s in seqs],
            }
            gz_json(os.path.join(OUT, name + ".golden.json.gz"), golden)
            print(f"{name}: vocab {sp.get_piece_size()}, {len(texts)} texts, {len(seqs)} decode sequences",
                  file=sys.stderr)
        # Valid models of the types we refuse (NotSupportedException): no goldens, just the files.
        for name, model_type in [("unigram-400", "unigram"), ("char-400", "char")]:
            model = train(name, 400, 2000, {"model_type": model_type, "ascii_corpus": True}, work)
            with open(os.path.join(OUT, name + ".model"), "wb") as f:
                f.write(model)


if __name__ == "__main__":
    main()
