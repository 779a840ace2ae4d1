"""Constrained decoding (needle-model.md section 7): name/param tries and the per-example character state machine."""
import json

FREE, IN_NAME, IN_ARG_KEY = "FREE", "IN_NAME", "IN_ARG_KEY"


class Trie:
    def __init__(self):
        self.children = {}
        self.terminal = False

    def add(self, word):
        n = self
        for ch in word:
            n = n.children.setdefault(ch, Trie())
        n.terminal = True

    def walk(self, text):
        n = self
        for ch in text:
            n = n.children.get(ch)
            if n is None:
                return None
        return n


def token_strings(sp):
    """id -> string: control/UNK -> '', byte piece <0xNN> -> chr(NN) (Latin-1), else piece with U+2581 -> space."""
    out = []
    for i in range(sp.get_piece_size()):
        piece = sp.id_to_piece(i)
        if sp.is_control(i) or sp.is_unknown(i):
            out.append("")
        elif sp.is_byte(i):
            out.append(chr(int(piece[3:5], 16)))
        else:
            out.append(piece.replace("\u2581", " "))
    return out


def build_constraints(tools_json):
    """(name trie, {tool name: param trie}) from the snake_cased tools JSON; (None, {}) if it is not a JSON list."""
    try:
        tools = json.loads(tools_json)
    except (ValueError, TypeError):
        return None, {}
    if not isinstance(tools, list):
        return None, {}
    names = Trie()
    params = {}
    for t in tools:
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            continue
        names.add(t["name"])
        ps = t.get("parameters")
        if isinstance(ps, dict):
            keys = [k for k, v in ps.items() if isinstance(v, dict)]
            if keys:
                pt = Trie()
                for k in keys:
                    pt.add(k)
                params[t["name"]] = pt
    return names, params


class ToolCallState:
    """Character-level state machine over the generated text."""

    def __init__(self, name_trie, param_tries):
        self.name_trie, self.param_tries = name_trie, param_tries
        self.mode = FREE
        self.span = ""
        self.text = ""
        self.depth = 0
        self.in_string = False
        self.escape = False
        self.in_arguments = False
        self.arguments_depth = 0
        self.current_function = None

    def feed(self, s):
        for ch in s:
            self._feed_char(ch)

    def _feed_char(self, c):
        prev_text = self.text
        self.text += c
        if self.mode in (IN_NAME, IN_ARG_KEY):
            if c == '"':
                if self.mode == IN_NAME:
                    self.current_function = self.span
                self.mode = FREE
                self.span = ""
            else:
                self.span += c
            return
        if self.in_string:
            if self.escape:
                self.escape = False
            elif c == "\\":
                self.escape = True
            elif c == '"':
                self.in_string = False
            return
        if c in "{[":
            self.depth += 1
        elif c in "}]":
            self.depth = max(0, self.depth - 1)
            if c == "}" and self.depth < self.arguments_depth:
                self.in_arguments = False
        if self.text.endswith('"name":"') and not self.in_arguments:
            self.mode, self.span = IN_NAME, ""
        elif self.text.endswith('"arguments":{'):
            self.in_arguments = True
            self.arguments_depth = self.depth
        elif self.in_arguments and self.depth == self.arguments_depth and self.text[-2:] in ('{"', ',"'):
            self.mode, self.span = IN_ARG_KEY, ""
        elif c == '"' and prev_text.rstrip()[-1:] == ":":
            self.in_string = True

    def active_node(self):
        """Trie node for the span typed so far, or None when unconstrained (FREE, no trie, or fallen off)."""
        if self.mode == IN_NAME:
            trie = self.name_trie
        elif self.mode == IN_ARG_KEY:
            trie = self.param_tries.get(self.current_function)
        else:
            return None
        if trie is None:
            return None
        return trie.walk(self.span)


def valid_token(node, s):
    """A non-empty token is valid if its chars stay on the trie; at a '"' it is valid iff that node is terminal
    (later chars unchecked)."""
    if not s:
        return False
    n = node
    for ch in s:
        if ch == '"':
            return n.terminal
        n = n.children.get(ch)
        if n is None:
            return False
    return True


def apply_constraint(logits, state, strings, trace=None):
    """logits: 1-D float tensor (V,), modified copy with -inf on invalid tokens; unchanged if nothing valid.
    trace (optional list) gets [mode, span, n_valid] with n_valid -1 when no constraint applies."""
    node = state.active_node()
    valid = [] if node is None else [i for i, s in enumerate(strings) if valid_token(node, s)]
    if trace is not None:
        trace.append([state.mode, state.span, len(valid) if valid else -1])
    if not valid:
        return logits
    out = logits.clone().fill_(float("-inf"))
    out[valid] = logits[valid]
    return out
