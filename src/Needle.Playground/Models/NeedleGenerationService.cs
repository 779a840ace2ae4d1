using System.Diagnostics;
using System.Text.Json;
using Needle.Core.Inference;
using Needle.Core.Tools;
using Needle.Playground.Services;

namespace Needle.Playground.Models;

/// <summary>
/// The real <see cref="IGenerationService"/>: converts the tools (any dialect) to Needle's flat form, runs
/// <see cref="Generator"/> on the active model (constrained by default) and parses the calls. Bad tools are
/// <see cref="ArgumentException"/>s with the parser's message (→ 400).
/// </summary>
public sealed class NeedleGenerationService(NeedleActiveModel active) : IGenerationService
{
    public string? NotReadyReason => active.Current is null ? active.NotReadyReason() : null;

    public Task<GenerateResponse> GenerateAsync(GenerateRequest request, CancellationToken ct) =>
        Task.Run(() => Generate(request).Response, ct);

    /// <summary>Generation with the details the Playground page shows (model name, latency, detected tools format).</summary>
    public Task<PlaygroundRun> RunAsync(GenerateRequest request, CancellationToken ct) => Task.Run(() => Generate(request), ct);

    private PlaygroundRun Generate(GenerateRequest request)
    {
        var toolsText = request.Tools.ValueKind == JsonValueKind.Array ? request.Tools.GetRawText() : "[]";
        ParsedTools parsed;
        try
        {
            parsed = toolsText.Trim() == "[]" ? new ParsedTools([], "none", []) : ToolSchemaParser.Parse(toolsText);
        }
        catch (ToolSchemaException ex) { throw new ArgumentException(ex.Message, ex); }
        var needleTools = parsed.Tools.Count == 0 ? "[]" : ToolSchemaParser.ToNeedleJson(parsed.Tools);
        var options = new GenerationOptions { Constrained = request.Constrained, Structured = request.Structured, MaxGenLen = request.MaxGenLen };
        var clock = Stopwatch.StartNew();
        var (result, model) = active.Use((rt, info) => (rt.Generator.GenerateDetailed(request.Query, needleTools, options), info.Name));
        clock.Stop();
        var calls = ParseCalls(result.Text);
        var response = new GenerateResponse(result.Text, calls, null, Math.Round(result.DecodeTokensPerSecond, 1));
        return new PlaygroundRun(request.Query, response, model, request.Constrained, clock.Elapsed, result.GeneratedTokens,
            parsed.DetectedFormat, parsed.Notices, DateTimeOffset.UtcNow, request.Structured);
    }

    /// <summary>The model's output as calls; empty when it is not a JSON list of {name, arguments} (a refusal or noise).</summary>
    public static IReadOnlyList<ToolCall> ParseCalls(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            var items = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList()
                : root.ValueKind == JsonValueKind.Object ? [root] : [];
            var calls = new List<ToolCall>();
            foreach (var item in items)
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String) continue;
                var args = item.TryGetProperty("arguments", out var a) ? a.Clone() : JsonDocument.Parse("{}").RootElement.Clone();
                calls.Add(new ToolCall(n.GetString()!, args));
            }
            return calls;
        }
        catch (JsonException) { return []; }
    }
}

/// <summary>One Playground run as the page shows it.</summary>
public sealed record PlaygroundRun(
    string Query, GenerateResponse Response, string Model, bool Constrained, TimeSpan Latency, int GeneratedTokens,
    string DetectedFormat, IReadOnlyList<string> Notices, DateTimeOffset At, bool Structured = false)
{
    /// <summary>The decoding mode as the result chip names it.</summary>
    public string Decoding => Structured ? "structured" : Constrained ? "constrained" : "unconstrained";

    /// <summary>The calls as indented JSON (what the result box shows); the raw text when it is not JSON.</summary>
    public string PrettyResult
    {
        get
        {
            try
            {
                using var doc = JsonDocument.Parse(Response.Result);
                return JsonSerializer.Serialize(doc.RootElement, PrettyJson);
            }
            catch (JsonException) { return Response.Result; }
        }
    }

    private static readonly JsonSerializerOptions PrettyJson = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}

/// <summary>The last runs of this process, newest first (in memory: the page's "history").</summary>
public sealed class RunHistory
{
    public const int Capacity = 10;
    private readonly LinkedList<PlaygroundRun> _runs = new();
    private readonly Lock _gate = new();

    public void Add(PlaygroundRun run)
    {
        lock (_gate)
        {
            _runs.AddFirst(run);
            while (_runs.Count > Capacity) _runs.RemoveLast();
        }
    }

    public IReadOnlyList<PlaygroundRun> Recent() { lock (_gate) return _runs.ToList(); }
}
