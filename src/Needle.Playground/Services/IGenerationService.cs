using System.Text.Json;

namespace Needle.Playground.Services;

/// <summary>POST /api/generate body (May's /generate): tools as a JSON string or array of tool schemas.</summary>
public sealed record GenerateRequest(
    string Query,
    JsonElement Tools,
    int Seed = 0,
    int MaxGenLen = 512,
    bool Constrained = true,
    bool Structured = false);

/// <summary>One tool call as the model produced it.</summary>
public sealed record ToolCall(string Name, JsonElement Arguments);

/// <summary>
/// POST /api/generate answer: <see cref="Result"/> is the model's raw output (a JSON array of calls); <see cref="Calls"/>
/// is that output parsed (empty for a refusal), with optional confidence and speed as Needle 2 shows them.
/// </summary>
public sealed record GenerateResponse(
    string Result,
    IReadOnlyList<ToolCall> Calls,
    double? Confidence = null,
    double? DecodeTokensPerSecond = null);

/// <summary>Thrown by <see cref="IGenerationService"/> when no model is ready; answered with 503.</summary>
public sealed class ModelNotLoadedException(string message) : Exception(message);

/// <summary>Runs the loaded model on a query. The model code provides the real implementation.</summary>
public interface IGenerationService
{
    /// <summary>Null when generation can run; otherwise what the user must do first.</summary>
    string? NotReadyReason { get; }

    Task<GenerateResponse> GenerateAsync(GenerateRequest request, CancellationToken ct);
}

/// <summary>The stand-in until the model core plugs in: always "no model loaded".</summary>
public sealed class UnavailableGenerationService(IActiveModel active) : IGenerationService
{
    public string? NotReadyReason => active.Current is { } m
        ? $"no model loaded: '{m.Name}' is selected, but this build cannot run the model yet"
        : "no model loaded: load a checkpoint on the Models page (or POST /api/model with {\"name\": ...}) first";

    public Task<GenerateResponse> GenerateAsync(GenerateRequest request, CancellationToken ct) =>
        throw new ModelNotLoadedException(NotReadyReason!);
}
