using System.Text.Json.Nodes;
using Needle.Core.Tools;
using Needle.Synthesis.Http;

namespace Needle.Synthesis.Tests.Providers;

internal static class ProviderTestData
{
    public static IReadOnlyList<ToolDefinition> Tools { get; } = ToolSchemaParser.Parse("""
        [{"name":"get_weather","description":"Get the weather for a city.","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}},
         {"name":"set_timer","description":"Set a timer.","parameters":{"type":"object","properties":{"minutes":{"type":"integer"}},"required":["minutes"]}}]
        """).Tools;

    /// <summary>A model reply mixing good examples with ones the validator must filter out.</summary>
    public const string MixedReply = """
        [{"query":"what's the weather in Lisbon","answers":[{"name":"get_weather","arguments":{"city":"Lisbon"}}]},
         {"query":"set a timer for 15 minutes please","answers":[{"name":"set_timer","arguments":{"minutes":"15"}}]},
         {"query":"weather in Oslo in fahrenheit","answers":[{"name":"get_weather","arguments":{"city":"Oslo","unit":"Fahrenheit"}}]},
         {"query":"book me a flight to Rome","answers":[{"name":"book_flight","arguments":{"city":"Rome"}}]},
         {"query":"what's it like outside in Paris","answers":[{"name":"get_weather","arguments":{"city":"Berlin"}}]},
         {"query":"set a timer","answers":[{"name":"set_timer","arguments":{}}]},
         {"query":"weather in Kyoto in kelvin","answers":[{"name":"get_weather","arguments":{"city":"Kyoto","unit":"kelvin"}}]},
         {"query":"timer for twenty minutes","answers":[{"name":"set_timer","arguments":{"minutes":"twenty"}}]},
         {"query":"What's the weather in Lisbon?","answers":[{"name":"get_weather","arguments":{"city":"Lisbon"}}]},
         {"query":"tell me a joke","answers":[]}]
        """;

    /// <summary>Accepted from <see cref="MixedReply"/> in a "single" batch: Lisbon, the timer (coerced to 15) and Oslo (enum case fixed).</summary>
    public static readonly string[] AcceptedQueries = ["what's the weather in Lisbon", "set a timer for 15 minutes please", "weather in Oslo in fahrenheit"];

    public static RetryOptions FastRetry(List<TimeSpan>? delays = null, int attempts = 3, double timeoutSeconds = 5) => new()
    {
        MaxAttempts = attempts,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        MaxDelay = TimeSpan.FromMilliseconds(5),
        AttemptTimeout = TimeSpan.FromSeconds(timeoutSeconds),
        Delay = (d, ct) => { lock (delays ?? []) delays?.Add(d); return Task.CompletedTask; },
        JitterSeed = 1,
    };

    public static string GeminiResponse(string text) => new JsonObject
    {
        ["candidates"] = new JsonArray(new JsonObject
        {
            ["content"] = new JsonObject
            {
                ["role"] = "model",
                ["parts"] = new JsonArray(
                    new JsonObject { ["text"] = "thinking about it", ["thought"] = true },
                    new JsonObject { ["text"] = text }),
            },
            ["finishReason"] = "STOP",
        }),
    }.ToJsonString();

    public static string OpenAiResponse(string text, string model = "test-model") => new JsonObject
    {
        ["id"] = "chatcmpl-1",
        ["object"] = "chat.completion",
        ["created"] = 1700000000,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text },
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 10, ["total_tokens"] = 20 },
    }.ToJsonString();
}
