using System.Diagnostics;
using Needle.Core.Inference.Constrained;
using Needle.Core.Tokenization;

namespace Needle.Core.Inference;

/// <summary>
/// Upstream's generate / generate_batch (needle-model.md §9.1) over any <see cref="INeedleModel"/>: snake_case the
/// tool names, encode <c>query + &lt;tools&gt; + tools</c>, decode greedily from [EOS] (optionally constrained, §7)
/// until EOS or MaxGenLen − 1 tokens, decode the ids, strip a leading &lt;tool_call&gt;, restore the tool names.
/// Holds no per-call state: safe to share between threads when the model is (SimpleAttentionNetwork is).
/// </summary>
public sealed partial class Generator
{
    private const string ToolCallText = "<tool_call>";

    private readonly INeedleModel _model;
    private readonly ITokenizer _tokenizer;
    private readonly Lazy<TokenStrings> _tokenStrings;

    public Generator(INeedleModel model, ITokenizer tokenizer, TokenStrings? tokenStrings = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        // Built on first constrained use only: unconstrained runs never pay for it.
        _tokenStrings = tokenStrings is null ? new(() => TokenStrings.FromTokenizer(tokenizer)) : new(tokenStrings);
    }

    public INeedleModel Model => _model;
    public ITokenizer Tokenizer => _tokenizer;
    public TokenStrings TokenStrings => _tokenStrings.Value;

    /// <summary>The string upstream's generate() returns, e.g. <c>[{"name":"getWeather","arguments":{"city":"Paris"}}]</c>.</summary>
    public string Generate(string query, string toolsJson = "[]", GenerationOptions? options = null) =>
        GenerateDetailed(query, toolsJson, options).Text;

    /// <summary><see cref="Generate"/> with the generated ids and timings.</summary>
    public GenerationResult GenerateDetailed(string query, string toolsJson = "[]", GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(toolsJson);
        options ??= GenerationOptions.Default;
        options.Validate();
        GenerationResult? final = null;
        foreach (var step in StreamCore(query, toolsJson, options, CancellationToken.None, deltas: false)) final = step.Final ?? final;
        return final!;
    }

    /// <summary>
    /// Token streaming: one item per generated token with the text it added to the raw decode (before the
    /// &lt;tool_call&gt; strip and name restoration), then a last item carrying the final result.
    /// </summary>
    public IEnumerable<GeneratedToken> Stream(string query, string toolsJson = "[]", GenerationOptions? options = null,
                                              CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(toolsJson);
        options ??= GenerationOptions.Default;
        options.Validate();
        return StreamCore(query, toolsJson, options, cancellationToken, deltas: true);
    }

    private IEnumerable<GeneratedToken> StreamCore(string query, string toolsJson, GenerationOptions options, CancellationToken ct, bool deltas)
    {
        var (tools, nameMap) = options.Normalize ? ToolNames.Normalize(toolsJson) : (toolsJson, []);
        var source = EncoderInput.Build(_tokenizer, query, tools, options.MaxEncLen);

        var clock = Stopwatch.StartNew();
        using var encoded = _model.Encode([source]);
        var prefill = clock.Elapsed;
        clock.Restart();
        using var decoderState = _model.StartGreedyDecoder(encoded);

        var constraint = CreateConstraint(tools, options);
        int vocab = _model.Config.VocabSize;
        var logits = new float[vocab];  // (1, V)
        var scratch = new float[vocab];
        var generated = new List<int>();
        int current = EncoderInput.EosId, steps = 0;
        string printed = "";

        for (int i = 0; i < options.MaxGenLen - 1; i++)
        {
            ct.ThrowIfCancellationRequested();
            _model.DecodeStep(decoderState, [current], logits);
            steps++;
            int next = Choose(constraint, logits, scratch, decoderState as IScreenedLogits, 0);
            if (next == EncoderInput.EosId) break;
            generated.Add(next);
            current = next;

            clock.Stop(); // the consumer's time is not decode time
            var delta = deltas ? NextDelta(generated, ref printed) : "";
            yield return new GeneratedToken(next, delta);
            clock.Start();
        }
        var decode = clock.Elapsed;
        var text = Finish(_tokenizer.Decode(generated.ToArray()), nameMap, options);
        yield return new GeneratedToken(-1, "", new GenerationResult(text, generated, source.Length, prefill, decode) { DecodeSteps = steps });
    }

    /// <summary>upstream's generate_batch: one encoder pass over the padded batch, then lock-step greedy decoding.</summary>
    public IReadOnlyList<string> GenerateBatch(IReadOnlyList<string> queries, IReadOnlyList<string> toolsJson, GenerationOptions? options = null) =>
        GenerateBatchDetailed(queries, toolsJson, options).Select(r => r.Text).ToArray();

    /// <summary><see cref="GenerateBatch"/> with ids and timings (prefill and decode times are the whole batch's).</summary>
    public IReadOnlyList<GenerationResult> GenerateBatchDetailed(IReadOnlyList<string> queries, IReadOnlyList<string> toolsJson,
                                                                 GenerationOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(toolsJson);
        if (queries.Count != toolsJson.Count)
            throw new ArgumentException($"{queries.Count} queries but {toolsJson.Count} tool lists.", nameof(toolsJson));
        options ??= GenerationOptions.Default;
        options.Validate();
        int batch = queries.Count;
        if (batch == 0) return [];

        var normalized = new (string Tools, IReadOnlyList<KeyValuePair<string, string>> Map)[batch];
        var sources = new int[batch][];
        for (int b = 0; b < batch; b++)
        {
            normalized[b] = options.Normalize ? ToolNames.Normalize(toolsJson[b]) : (toolsJson[b], []);
            sources[b] = EncoderInput.Build(_tokenizer, queries[b], normalized[b].Tools, options.MaxEncLen);
        }

        var clock = Stopwatch.StartNew();
        using var encoded = _model.Encode(sources);
        var prefill = clock.Elapsed;
        clock.Restart();
        using var decoderState = _model.StartGreedyDecoder(encoded);

        var constraints = new IDecodeConstraint?[batch];
        for (int b = 0; b < batch; b++) constraints[b] = CreateConstraint(normalized[b].Tools, options);
        int vocab = _model.Config.VocabSize;
        var logits = new float[batch * vocab];  // (B, V)
        var scratch = new float[vocab];
        var current = Enumerable.Repeat(EncoderInput.EosId, batch).ToArray();
        var finished = new bool[batch];
        var steps = new int[batch];
        var generated = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        int live = batch;

        for (int pos = 0; pos < options.MaxGenLen - 1 && live > 0; pos++)
        {
            ct.ThrowIfCancellationRequested();
            _model.DecodeStep(decoderState, current, logits);
            for (int b = 0; b < batch; b++)
            {
                if (finished[b]) continue;
                steps[b]++;
                int next = Choose(constraints[b], logits.AsSpan(b * vocab, vocab), scratch, decoderState as IScreenedLogits, b);
                if (next == EncoderInput.EosId)
                {
                    finished[b] = true;
                    current[b] = EncoderInput.PadId; // finished rows still need a token; nothing reads their logits
                    live--;
                    continue;
                }
                generated[b].Add(next);
                current[b] = next;
            }
        }
        var decode = clock.Elapsed;

        var results = new GenerationResult[batch];
        for (int b = 0; b < batch; b++)
        {
            var text = Finish(_tokenizer.Decode(generated[b].ToArray()), normalized[b].Map, options);
            results[b] = new GenerationResult(text, generated[b], sources[b].Length, prefill, decode) { DecodeSteps = steps[b] };
        }
        return results;
    }

    // Structured decoding takes precedence over upstream's name/key constraint.
    private IDecodeConstraint? CreateConstraint(string tools, GenerationOptions options) =>
        options.Structured ? new StructuredDecoder(TokenStrings, new ToolSchemas(tools))
        : options.Constrained ? new ConstrainedDecoder(TokenStrings, new ToolConstraints(tools))
        : null;

    private int Choose(IDecodeConstraint? constraint, Span<float> logits, Span<float> scratch, IScreenedLogits? screened, int row)
    {
        int next = constraint?.Choose(logits, scratch) ?? Greedy.ArgMax(logits);
        // Screened logits: an unmasked argmax always lands on an exact value; a masked one may not. Then make that id
        // exact and choose again, a few times one id at a time (cheap when the mask leaves few ids), then once with
        // every id that could outrank it, after which the choice is exact (see ScreenedLogits).
        for (int round = 0; screened is not null && !screened.IsExact(row, next); round++)
        {
            screened.Refine(row, next, logits, all: round >= 3);
            next = constraint?.Choose(logits, scratch) ?? Greedy.ArgMax(logits);
        }
        if (constraint is null) return next;
        constraint.Update(next < TokenStrings.Count ? next : EncoderInput.PadId); // ids past the tokenizer's vocab add no text
        return next;
    }

    /// <summary>Strip a leading literal &lt;tool_call&gt;, then restore the caller's tool names (only when a name map exists).</summary>
    internal static string Finish(string decoded, IReadOnlyList<KeyValuePair<string, string>> nameMap, GenerationOptions options)
    {
        if (decoded.StartsWith(ToolCallText, StringComparison.Ordinal)) decoded = decoded[ToolCallText.Length..];
        return options.Normalize && nameMap.Count > 0 ? ToolNames.Restore(decoded, nameMap) : decoded;
    }

    // The text the latest token added; a trailing U+FFFD (an unfinished UTF-8 sequence) waits for the next token.
    private string NextDelta(List<int> generated, ref string printed)
    {
        var text = _tokenizer.Decode(generated.ToArray()).TrimEnd('\uFFFD');
        if (!text.StartsWith(printed, StringComparison.Ordinal)) return "";
        var delta = text[printed.Length..];
        printed = text;
        return delta;
    }
}
