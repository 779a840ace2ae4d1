namespace Needle.Synthesis.Offline;

/// <summary>Queries that no tool should answer: off-topic requests, and near misses phrased around a tool.</summary>
internal static class NegativeQueries
{
    public static readonly string[] OffTopic =
    [
        "tell me a joke about penguins", "who won the 1998 world cup", "how do I get red wine out of a white shirt",
        "what's the capital of Australia", "explain quantum entanglement like I'm five", "write a haiku about autumn rain",
        "why is the sky blue", "how many bones are in the human body", "what rhymes with orange",
        "give me a fun fact about octopuses", "what's the difference between a crocodile and an alligator",
        "how do you say thank you in Japanese", "recommend a good fantasy novel", "what does serendipity mean",
        "how long do cats usually live", "is a tomato a fruit or a vegetable", "who painted the Mona Lisa",
        "what should I name my goldfish", "how do I stop procrastinating", "tell me something interesting about Saturn",
        "what's the meaning of life", "can you help me come up with a toast for my brother's wedding",
        "how do I convince my kids to eat broccoli", "what's a good stretch for lower back pain",
        "explain how vaccines work", "I'm bored, any ideas", "what year did the Berlin Wall fall",
        "how do airplanes stay in the air", "what's the best way to learn chess", "do you dream",
        "summarize the plot of Hamlet", "what's heavier, a kilo of feathers or a kilo of steel",
        "how tall is Mount Kilimanjaro", "tips for a first job interview", "what's the origin of the word quarantine",
        "how many languages are spoken in India", "why do cats purr", "what's your favorite color",
        "how do I fold a fitted sheet", "can penguins fly", "what causes hiccups", "describe the taste of durian",
    ];

    public static readonly string[] Wrappers = ["{0}", "{0}?", "hey, {0}", "quick question: {0}", "{0}, please", "random thought, {0}", "so {0}", "I was wondering, {0}"];

    /// <summary>Near-miss templates: same domain as the tool, something it cannot do. {0} is the tool's object.</summary>
    public static readonly (string Template, string[] BlockedBy)[] NearMiss =
    [
        ("show me the history of my {0} changes", ["history", "log", "logs", "past", "recent"]),
        ("undo the last {0} change", ["undo", "revert"]),
        ("why did the {0} fail last time", ["status", "error", "diagnose"]),
        ("how does the {0} feature work", ["help", "explain"]),
        ("can you export all my {0} data", ["export", "download"]),
        ("delete all my old {0} settings from last year", ["delete", "remove", "clear"]),
        ("who else can see my {0} settings", ["share", "permission", "permissions"]),
        ("is there a premium version of the {0} feature", ["upgrade", "subscription", "premium"]),
        ("compare my {0} setup with what my neighbour uses", ["compare"]),
        ("how much does the {0} service cost per month", ["price", "cost", "billing"]),
    ];
}
