using Needle.Core.Data;
using Needle.Core.Json;

namespace Needle.Core.Tests.Data;

public sealed class ExampleJsonlTests
{
    private const string Tools = "[{\"name\":\"get_weather\",\"description\":\"d\",\"parameters\":{}},{\"name\":\"set_alarm\",\"parameters\":{}}]";

    private static string Row(string query, string answers, string tools = Tools) =>
        PyJson.DumpsSpaced(new PyJsonObject { ["query"] = new PyJsonString(query), ["tools"] = new PyJsonString(tools), ["answers"] = new PyJsonString(answers) });

    [Fact]
    public void Bad_lines_are_reported_with_line_numbers_and_reasons_and_never_throw()
    {
        var lines = new[]
        {
            Row("weather in Paris", "[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Paris\"}}]"), // 1 ok
            "{not json",                                                                                   // 2
            "",                                                                                             // 3 blank: skipped
            "[1,2]",                                                                                        // 4
            "{\"query\":\"q\",\"tools\":\"[]\"}",                                                           // 5
            "{\"query\":\"q\",\"tools\":\"[]\",\"answers\":\"[oops\"}",                                     // 6
            "{\"query\":\"q\",\"tools\":\"[]\",\"answers\":\"{}\"}",                                        // 7
            "{\"query\":5,\"tools\":\"[]\",\"answers\":\"[]\"}",                                            // 8
            "{\"query\":\"q\",\"tools\":\"[]\",\"answers\":\"[{\\\"arguments\\\":{}}]\"}",                  // 9
            Row("wake me at 7", "[{\"name\":\"set_alarm\",\"arguments\":{\"time\":\"07:00\"}}]"),          // 10 ok
            Row("wake me at 7", "[{\"name\":\"set_alarm\",\"arguments\":{\"time\":\"07:00\"}}]"),          // 11 duplicate
            Row("order pizza", "[{\"name\":\"order_food\",\"arguments\":{}}]"),                             // 12 unknown tool
            Row("hello", "[]"),                                                                             // 13 no call
        };
        var result = ExampleJsonlReader.ReadText(string.Join("\n", lines));
        Assert.Equal(5, result.Examples.Count);
        Assert.Equal([1, 10, 11, 12, 13], result.LineNumbers);
        var r = result.Report;
        Assert.Equal(5, r.Total);
        Assert.Equal(
            [new(2, "invalid JSON"), new(4, "not a JSON object"), new(5, "missing 'answers'"), new(6, "'answers' is not valid JSON"),
             new(7, "'answers' is not a JSON array"), new(8, "'query' is not a string"), new(9, "answers[0] has no 'name'")],
            r.InvalidLines);
        Assert.Equal(1, r.Duplicates);
        Assert.Equal(1, r.NoCallExamples);
        Assert.Equal(new Dictionary<string, int> { ["get_weather"] = 1, ["set_alarm"] = 2, ["order_food"] = 1 }, r.PerTool);
        Assert.Equal(["get_weather", "set_alarm", "order_food"], r.PerTool.Keys);
        Assert.Equal(1, r.MinPerTool);
        Assert.Equal(2, r.MaxPerTool);
        Assert.Equal([new InvalidLine(12, "order_food")], r.UnknownToolCalls);
        Assert.Contains("Line 2: invalid JSON", r.Warnings);
        Assert.Contains("Line 5: missing 'answers'", r.Warnings);
        Assert.Contains("Line 12: answer calls unknown tool 'order_food'", r.Warnings);
        Assert.Equal(3, r.UnderrepresentedTools.Count);
        Assert.True(r.CanTrain);
        Assert.Equal("Validated: 5 examples, 3 tools, 1 duplicates", r.Summary);
        Assert.Equal(2, r.PerPrimaryTool["set_alarm"]);
        Assert.Equal(1, r.PerPrimaryTool[PerToolSplit.NoToolBucket]);
    }

    [Fact]
    public void Too_few_examples_refuse_training_and_warnings_are_capped()
    {
        var text = string.Join("\n", Enumerable.Range(0, 30).Select(_ => "garbage").Append(Row("q", "[]")));
        var r = ExampleJsonlReader.ReadText(text).Report;
        Assert.False(r.CanTrain);
        Assert.Contains("at least 3", r.Errors.Single());
        Assert.Equal(20, r.Warnings.Count);
        Assert.Equal(30, r.InvalidLines.Count);
    }

    [Fact]
    public void Per_tool_minimum_is_enforced_when_asked()
    {
        var text = string.Join("\n", Enumerable.Range(0, 5).Select(i => Row("q" + i, "[{\"name\":\"set_alarm\",\"arguments\":{}}]")));
        Assert.True(ExampleJsonlReader.ReadText(text).Report.CanTrain);
        var strict = ExampleJsonlReader.ReadText(text, new DataValidationOptions { MinCallsPerTool = 10 }).Report;
        Assert.False(strict.CanTrain);
        Assert.Contains("set_alarm", strict.Errors.Single());
    }

    [Fact]
    public void Needle2_rows_with_inline_arrays_and_function_calls_alias_are_read()
    {
        var line = "{\"query\":\"café\",\"reasoning\":\"r\",\"function_calls\":[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Zürich\"}}],\"tools\":[{\"name\":\"get_weather\"}]}";
        var ex = ExampleJsonlReader.ReadText(line).Examples.Single();
        Assert.Equal("[{\"name\":\"get_weather\",\"arguments\":{\"location\":\"Zürich\"}}]", ex.Answers);
        Assert.Equal("[{\"name\":\"get_weather\"}]", ex.Tools);
        Assert.Equal("r", ex.Reasoning);
    }

    [Fact]
    public void Writer_round_trips_every_field_and_writes_atomically()
    {
        var dir = Directory.CreateTempSubdirectory("needle-jsonl-");
        try
        {
            var path = Path.Combine(dir.FullName, "sub", "data.jsonl");
            var examples = new[]
            {
                new ToolCallExample { Query = "q \"1\" é", Tools = Tools, Answers = "[]", Source = "synth-gemini-assistant", Model = "m",
                    CallType = "none", NumTools = 2, SynthTools = false, Language = "English" },
                new ToolCallExample { Query = "q2", Tools = "[]", Answers = "[{\"name\":\"x\",\"arguments\":{}}]" },
            };
            ExampleJsonlWriter.Write(path, examples);
            var back = ExampleJsonlReader.ReadFile(path);
            Assert.Equal(examples, back.Examples);
            Assert.Empty(back.Report.InvalidLines);
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));   // no temp file left behind
            Assert.StartsWith("{\"query\": \"q \\\"1\\\" \\u00e9\", \"tools\": ", File.ReadAllText(path));
        }
        finally { dir.Delete(true); }
    }
}
