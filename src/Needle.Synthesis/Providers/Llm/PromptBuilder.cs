using System.Text;
using System.Text.Json.Nodes;
using Needle.Core.Tools;
using Needle.Synthesis.Recipe;

namespace Needle.Synthesis.Providers.Llm;

/// <summary>
/// Builds the batch prompt with the content of upstream's <c>build_prompt</c> (A6), in our own words: the task, a
/// persona, the tools, the batch kind's instruction, style and tool rules (types, no invented tools, the critical
/// grounding rule, coverage of every tool), theme hints and the output format. Also builds the response schema.
/// </summary>
public static class PromptBuilder
{
    public const int MaxOutputTokens = 16384;

    public const string SystemMessage =
        "You generate training data for a small on-device tool-calling model. Each example pairs a realistic user request " +
        "with the exact tool calls that fulfil it. Return JSON only.";

    public static ChatPrompt Build(BatchPlan plan, bool withSchema) =>
        new(SystemMessage, UserMessage(plan), plan.Temperature, MaxOutputTokens, withSchema ? ResponseSchema(plan.Tools) : null);

    public static string UserMessage(BatchPlan plan)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Write {plan.Size} varied training examples for an assistant running on phones, watches and computers.");
        sb.AppendLine($"For about half of them, imagine the user is {plan.Persona}.");
        sb.AppendLine();
        if (plan.Tools.Count > 0)
        {
            sb.AppendLine("Available tools (JSON):");
            sb.AppendLine(ToolSchemaWriter.ToNeedleJson(plan.Tools));
        }
        else
        {
            sb.AppendLine("No tools are available in this batch.");
        }
        sb.AppendLine();
        sb.AppendLine("Requirements:");
        sb.AppendLine("- Each example has a natural-language \"query\" and an \"answers\" array of tool calls.");
        sb.AppendLine($"- In this batch, {plan.CallType.Instruction()}");
        sb.AppendLine("- Queries sound like real people talking or typing to an assistant; vary the style: casual, terse, polite, conversational, indirect.");
        sb.AppendLine("- " + plan.Length switch
        {
            QueryLength.UltraShort => "Keep queries very short (1-5 words).",
            QueryLength.Short => "Keep queries short (5-10 words).",
            QueryLength.Medium => "Queries are medium length (10-20 words).",
            _ => "Queries are long and conversational (20+ words).",
        });
        if (plan.Tools.Count > 0)
        {
            sb.AppendLine("- Each call is {\"name\": <tool name>, \"arguments\": {<parameter>: <value>}}. Use only the tools and parameters listed; never invent tools or parameters.");
            sb.AppendLine("- Argument values have the declared types: numbers and booleans are JSON numbers and booleans, not strings. Enum parameters use one of the listed values exactly.");
            sb.AppendLine("- Include every required parameter. Include optional parameters only when the query mentions them; vary this.");
            sb.AppendLine("- CRITICAL: every argument value comes from the user's own words in the query. Do not invent names, brands, numbers, dates or titles; a generic phrase stays generic.");
            sb.AppendLine("- Vary values widely: culturally diverse names (no repeats within the batch), places, times in different formats, decimals, emoji where natural.");
            sb.AppendLine("- Never emit partial calls. When two tools overlap, pick the most specific one.");
            sb.AppendLine("- CRITICAL: spread the examples across all the tools (each tool at least once when there are few), and vary how many calls each example makes.");
        }
        else
        {
            sb.AppendLine("- Every answers array is [].");
        }
        sb.AppendLine("- Examples with no calls use \"answers\": []. Every query is unique.");
        sb.AppendLine();
        sb.AppendLine("For inspiration only (do not copy): " + string.Join("; ", plan.Themes) + ".");
        sb.AppendLine();
        sb.AppendLine("Output: a JSON array of {\"query\": string, \"answers\": [{\"name\": string, \"arguments\": object}]}. JSON only, no markdown.");
        return sb.ToString();
    }

    /// <summary>
    /// The schema of the expected output: an array of {query, answers}, where each call is one of the tools with its own
    /// argument schema (anyOf). Standard JSON Schema; providers translate it to their dialect.
    /// </summary>
    public static JsonObject ResponseSchema(IReadOnlyList<ToolDefinition> tools)
    {
        JsonObject call;
        if (tools.Count == 0)
        {
            call = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["name"] = new JsonObject { ["type"] = "string" } } };
        }
        else
        {
            var variants = new JsonArray();
            foreach (var t in tools)
            {
                var props = new JsonObject { ["name"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(t.Name) } };
                var required = new JsonArray("name");
                if (t.Parameters.Count > 0)
                {
                    props["arguments"] = ToolSchemaWriter.ToJsonSchemaNode(t)["parameters"]!.DeepClone();
                    required.Add("arguments");
                }
                variants.Add(new JsonObject { ["type"] = "object", ["properties"] = props, ["required"] = required });
            }
            call = variants.Count == 1 ? (JsonObject)variants[0]!.DeepClone() : new JsonObject { ["anyOf"] = variants };
        }
        return new JsonObject
        {
            ["type"] = "array",
            ["items"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["query"] = new JsonObject { ["type"] = "string" },
                    ["answers"] = new JsonObject { ["type"] = "array", ["items"] = call },
                },
                ["required"] = new JsonArray("query", "answers"),
            },
        };
    }
}
