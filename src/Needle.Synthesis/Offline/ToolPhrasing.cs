using Needle.Core.Tools;

namespace Needle.Synthesis.Offline;

/// <summary>
/// How to ask for one tool in words: an action verb and an object ("set" + "a timer"), taken from the tool's
/// description when it starts with a verb ("Send a text message to a contact" → send / a text message), otherwise
/// from its name ("get_weather" → get / the weather). Info tools (get, check, search...) are also asked as questions.
/// </summary>
internal sealed class ToolPhrasing
{
    private static readonly Dictionary<string, string> VerbForms = new(StringComparer.Ordinal)
    {
        ["gets"] = "get", ["returns"] = "get", ["retrieves"] = "get", ["fetches"] = "get", ["shows"] = "show", ["lists"] = "list",
        ["sends"] = "send", ["sets"] = "set", ["creates"] = "create", ["adds"] = "add", ["deletes"] = "delete", ["removes"] = "remove",
        ["plays"] = "play", ["searches"] = "search", ["finds"] = "find", ["books"] = "book", ["checks"] = "check", ["turns"] = "turn",
        ["starts"] = "start", ["stops"] = "stop", ["opens"] = "open", ["closes"] = "close", ["updates"] = "update", ["calls"] = "call",
        ["schedules"] = "schedule", ["converts"] = "convert", ["translates"] = "translate", ["calculates"] = "calculate",
        ["orders"] = "order", ["cancels"] = "cancel", ["toggles"] = "toggle", ["enables"] = "enable", ["disables"] = "disable",
        ["reads"] = "read", ["makes"] = "make", ["posts"] = "post", ["shares"] = "share", ["takes"] = "take", ["records"] = "record",
        ["pauses"] = "pause", ["resumes"] = "resume", ["skips"] = "skip", ["navigates"] = "navigate", ["tracks"] = "track",
        ["logs"] = "log", ["marks"] = "mark", ["replies"] = "reply", ["forwards"] = "forward", ["downloads"] = "download",
        ["uploads"] = "upload", ["saves"] = "save", ["edits"] = "edit", ["looks"] = "look", ["launches"] = "launch",
        ["requests"] = "request", ["reserves"] = "reserve", ["adjusts"] = "adjust", ["changes"] = "change", ["locks"] = "lock",
        ["unlocks"] = "unlock", ["dims"] = "dim", ["mutes"] = "mute", ["writes"] = "write", ["compose"] = "compose", ["composes"] = "compose",
        ["displays"] = "show", ["queries"] = "check", ["provides"] = "get", ["generates"] = "generate", ["sends."] = "send",
    };

    private static readonly HashSet<string> Verbs = new(StringComparer.Ordinal)
    {
        "get", "set", "send", "create", "add", "delete", "remove", "play", "search", "find", "book", "check", "turn", "start", "stop",
        "open", "close", "update", "list", "show", "call", "schedule", "convert", "translate", "calculate", "order", "cancel",
        "toggle", "enable", "disable", "read", "make", "post", "share", "take", "record", "pause", "resume", "skip", "navigate",
        "lookup", "fetch", "track", "log", "mark", "reply", "forward", "download", "upload", "save", "edit", "launch", "request",
        "reserve", "adjust", "change", "lock", "unlock", "dim", "mute", "write", "compose", "generate", "query", "view", "buy",
        "pay", "transfer", "email", "text", "message", "invite", "join", "leave", "rate", "review", "water", "feed", "clean", "run",
        "restart", "reboot", "increase", "decrease", "raise", "lower", "move", "rename", "copy", "print", "scan", "measure", "count",
        "estimate", "summarize", "draft", "note", "remind", "snooze", "dismiss", "accept", "decline", "archive", "subscribe", "follow",
    };

    private static readonly HashSet<string> InfoVerbs = new(StringComparer.Ordinal)
    {
        "get", "check", "find", "search", "lookup", "look", "show", "list", "fetch", "read", "query", "view", "estimate", "measure", "count",
    };

    private static readonly HashSet<string> CreateVerbs = new(StringComparer.Ordinal)
    {
        "set", "create", "add", "make", "start", "schedule", "book", "send", "post", "take", "record", "write", "compose", "draft", "log", "reserve", "order",
    };

    private static readonly string[] Prepositions = ["for", "in", "at", "to", "of", "by", "with", "from", "on", "using", "based", "given", "that", "which", "when", "if", "so", "and", "into", "onto", "about", "between", "as", "per", "via", "across", "or"];
    private static readonly string[] LeadingPrepositions = ["to", "from", "for", "in", "on", "into", "at", "by", "with"];

    public ToolPhrasing(ToolDefinition tool)
    {
        Tool = tool;
        var nameWords = Words.Split(tool.Name);
        var forms = new List<(string Verb, string Object)>();
        // The description's own words read best ("Set the thermostat" beats "set a thermostat"); the name is the fallback.
        if (FromDescription(tool.Description) is { } d) forms.Add(d);
        else if (nameWords.Count > 0 && Verbs.Contains(nameWords[0]))
        {
            var rest = nameWords.Skip(1).ToList();
            // "add_to_list": the object comes after the arguments ("add milk to the list").
            if (rest.Count > 1 && LeadingPrepositions.Contains(rest[0])) { forms.Add((nameWords[0], "")); TrailingObject = rest[0] + " the " + string.Join(' ', rest.Skip(1)); }
            else forms.Add((nameWords[0], Article(nameWords[0], string.Join(' ', rest))));
        }
        if (forms.Count == 0) forms.Add(("use", "the " + string.Join(' ', nameWords)));
        Forms = forms;
        IsInfo = forms.Any(f => InfoVerbs.Contains(f.Verb));
    }

    public ToolDefinition Tool { get; }
    public IReadOnlyList<(string Verb, string Object)> Forms { get; }
    public bool IsInfo { get; }

    /// <summary>For names like add_to_list: the words that follow the arguments ("to the list").</summary>
    public string TrailingObject { get; } = "";

    /// <summary>The words of the tool's name, for checks that a negative query does not name a tool.</summary>
    public IEnumerable<string> NameWords => Words.Split(Tool.Name);

    private static (string, string)? FromDescription(string description)
    {
        var sentence = description.Split('.', 2)[0].Trim();
        var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (words.Count < 2) return null;
        var first = words[0].ToLowerInvariant().Trim(',', ':');
        var verb = VerbForms.TryGetValue(first, out var v) ? v : Verbs.Contains(first) ? first : null;
        if (verb is null) return null;
        var obj = new List<string>();
        foreach (var w in words.Skip(1))
        {
            var lw = w.ToLowerInvariant();
            if (Prepositions.Contains(lw.Trim(',', ';', ':')) || obj.Count >= 5) break;
            obj.Add(lw.Trim(',', ';', ':', '(', ')'));
            if (w.EndsWith(',') || w.EndsWith(';')) break;
        }
        if (obj.Count == 0 || obj.Count == 1 && obj[0] is "a" or "an" or "the") return null;
        if (verb == "look" && obj[0] == "up") { verb = "look up"; obj.RemoveAt(0); if (obj.Count == 0) return null; }
        if (verb == "turn" && obj[0] is "on" or "off") { verb = "turn " + obj[0]; obj.RemoveAt(0); if (obj.Count == 0) return null; }
        var text = string.Join(' ', obj);
        if (text.StartsWith("or ", StringComparison.Ordinal)) return null;
        return (verb, text.StartsWith("the ") || text.StartsWith("a ") || text.StartsWith("an ") || text.StartsWith("my ") || text.StartsWith("your ") ? text.Replace("your ", "my ") : Article(verb, text));
    }

    private static string Article(string verb, string obj)
    {
        if (obj.Length == 0) return "";
        string[] determiners = ["all ", "every ", "my ", "some ", "any ", "this ", "that ", "these ", "those ", "no "];
        if (determiners.Any(obj.StartsWith) || char.IsDigit(obj[0])) return obj;
        if (obj.EndsWith('s') && !obj.EndsWith("ss")) return "the " + obj;
        if (CreateVerbs.Contains(verb)) return ("aeiou".Contains(obj[0]) ? "an " : "a ") + obj;
        return "the " + obj;
    }

    /// <summary>A command clause: "set a timer {args}". The args phrase is spliced in where it reads naturally.</summary>
    public Phrase Command(Phrase args, Random rng, bool first)
    {
        var (verb, obj) = Forms[rng.Next(Forms.Count)];
        var p = new Phrase();
        if (first && IsInfo && InfoVerbs.Contains(verb) && rng.Next(2) == 0)
        {
            var objNoArticle = obj.StartsWith("the ") ? obj[4..] : obj.StartsWith("a ") ? obj[2..] : obj;
            var lead = ValueSampler.Pick(rng, $"what's the {objNoArticle}", $"show me the {objNoArticle}", $"can you check the {objNoArticle}",
                $"look up the {objNoArticle}", $"I need the {objNoArticle}", $"tell me the {objNoArticle}", $"{objNoArticle}");
            return p.Text(lead).Append(args);
        }
        var prefix = first ? ValueSampler.Pick(rng, "", "", "", "please ", "can you ", "could you ", "I want to ", "I'd like to ", "go ahead and ", "hey, ", "need you to ", "quick one: ") : "";
        return p.Text(prefix + verb + " " + obj).Append(args).Text(TrailingObject.Length > 0 ? " " + TrailingObject : "");
    }

    /// <summary>The object without its article or determiner ("the current weather" → "current weather").</summary>
    public string BareObject(Random rng)
    {
        var (_, obj) = Forms[rng.Next(Forms.Count)];
        if (obj.Length == 0 && TrailingObject.Length > 0) obj = TrailingObject[(TrailingObject.IndexOf(' ') + 1)..];
        foreach (var d in new[] { "the ", "a ", "an ", "all ", "my ", "every ", "some " })
            if (obj.StartsWith(d, StringComparison.Ordinal)) obj = obj[d.Length..];
        return obj;
    }

    /// <summary>An implicit request that avoids the verb: "it would help to have the weather {args}".</summary>
    public Phrase Indirect(Phrase args, Random rng)
    {
        var (_, obj) = Forms[rng.Next(Forms.Count)];
        if (obj.Length == 0) obj = "the " + BareObject(rng);
        var p = new Phrase();
        return rng.Next(5) switch
        {
            0 => p.Text($"I'd really like {obj}").Append(args),
            1 => p.Text($"it would help to have {obj}").Append(args),
            2 => p.Text(obj).Append(args).Text(" would be great right now"),
            3 => p.Text($"not sure how, but I need {obj}").Append(args),
            _ => p.Text($"I was hoping for {obj}").Append(args),
        };
    }
}
