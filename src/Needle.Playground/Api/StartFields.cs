using System.Text.Json;

namespace Needle.Playground.Api;

/// <summary>
/// A page's "start a job" form: the field <c>settings</c> holds the job's settings as a JSON object (stored with the
/// job); every field named <c>secret.NAME</c> becomes a secret (e.g. <c>secret.apiKey</c>, handed over in memory only).
/// A post without a form starts the job with default settings.
/// </summary>
public static class StartFields
{
    public const string SecretPrefix = "secret.";

    public static async Task<(JsonElement? Settings, Dictionary<string, string>? Secrets, string? Error)> ReadAsync(HttpContext http, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType) return (null, null, null);
        var form = await http.Request.ReadFormAsync(ct);
        JsonElement? settings = null;
        if (form["settings"].ToString() is { Length: > 0 } json)
        {
            try
            {
                using var doc = JsonDocument.Parse(json);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) return (null, null, "settings must be a JSON object");
                settings = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                return (null, null, "settings must be valid JSON");
            }
        }
        var secrets = form.Keys.Where(k => k.StartsWith(SecretPrefix, StringComparison.Ordinal) && k.Length > SecretPrefix.Length)
            .ToDictionary(k => k[SecretPrefix.Length..], k => form[k].ToString());
        return (settings, secrets.Count > 0 ? secrets : null, null);
    }
}
