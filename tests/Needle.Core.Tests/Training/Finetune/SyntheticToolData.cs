using Needle.Core.Data;

namespace Needle.Core.Tests.Training.Finetune;

/// <summary>
/// Offline-style templated tool-call data for finetune tests: a few tools, each query names its argument values
/// literally, so a model that learns the templates can reach exact match. Deterministic for a seed.
/// </summary>
internal static class SyntheticToolData
{
    /// <summary>Short tool definitions (no descriptions) keep the encoder input small for real-training tests.</summary>
    public const string ShortWeather = """{"name":"get_weather","parameters":{"city":{"type":"string"}}}""";
    public const string ShortTimer = """{"name":"set_timer","parameters":{"minutes":{"type":"integer"}}}""";
    public const string ShortEmail = """{"name":"send_email","parameters":{"to":{"type":"string"}}}""";

    public const string Weather = """{"name":"get_weather","description":"Current weather for a city","parameters":{"city":{"type":"string"}}}""";
    public const string Timer = """{"name":"set_timer","description":"Start a timer","parameters":{"minutes":{"type":"integer"}}}""";
    public const string Email = """{"name":"send_email","description":"Send an email","parameters":{"to":{"type":"string"}}}""";

    private static readonly string[] Cities = ["paris", "tokyo", "rome", "oslo", "lima", "cairo", "delhi", "miami", "boston", "berlin"];
    private static readonly string[] People = ["bob", "alice", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];
    private static readonly string[] WeatherTemplates = ["what is the weather in {0}", "weather in {0} please", "is it raining in {0}"];
    private static readonly string[] TimerTemplates = ["set a timer for {0} minutes", "timer {0} minutes", "start a {0} minute timer"];
    private static readonly string[] EmailTemplates = ["send an email to {0}", "email {0}", "write to {0}"];

    /// <summary>
    /// <paramref name="perTool"/> examples for each of the first <paramref name="tools"/> tools (2 or 3), interleaved;
    /// argument values come from the first <paramref name="values"/> of each list (minutes: 5, 10, … 5·values).
    /// </summary>
    public static List<ToolCallExample> Make(int perTool, int tools = 2, int seed = 1, bool shortTools = false, int values = 10)
    {
        var rng = new Random(seed);
        var defs = shortTools ? new[] { ShortWeather, ShortTimer, ShortEmail } : new[] { Weather, Timer, Email };
        var toolsJson = "[" + string.Join(",", defs.Take(tools)) + "]";
        var list = new List<ToolCallExample>();
        for (int i = 0; i < perTool; i++)
        {
            for (int t = 0; t < tools; t++)
            {
                string query, answer;
                switch (t)
                {
                    case 0:
                        var city = Cities[rng.Next(Math.Min(values, Cities.Length))];
                        query = string.Format(WeatherTemplates[rng.Next(WeatherTemplates.Length)], city);
                        answer = "[{\"name\":\"get_weather\",\"arguments\":{\"city\":\"" + city + "\"}}]";
                        break;
                    case 1:
                        int minutes = 5 * (1 + rng.Next(values));
                        query = string.Format(TimerTemplates[rng.Next(TimerTemplates.Length)], minutes);
                        answer = "[{\"name\":\"set_timer\",\"arguments\":{\"minutes\":" + minutes + "}}]";
                        break;
                    default:
                        var who = People[rng.Next(Math.Min(values, People.Length))];
                        query = string.Format(EmailTemplates[rng.Next(EmailTemplates.Length)], who);
                        answer = "[{\"name\":\"send_email\",\"arguments\":{\"to\":\"" + who + "\"}}]";
                        break;
                }
                list.Add(new ToolCallExample { Query = query, Tools = toolsJson, Answers = answer });
            }
        }
        return list;
    }

    public static string WriteJsonl(string dir, IEnumerable<ToolCallExample> examples, string name = "data.jsonl")
    {
        var path = Path.Combine(dir, name);
        ExampleJsonlWriter.Write(path, examples);
        return path;
    }
}
