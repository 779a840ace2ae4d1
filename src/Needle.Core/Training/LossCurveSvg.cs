using System.Globalization;
using System.Text;

namespace Needle.Core.Training;

/// <summary>
/// A self-contained SVG of the loss curve: axes with "nice" ticks, the train loss as a line, validation points as
/// dots (log perplexity = mean validation NLL, so both share the loss axis). No script, no external fonts.
/// </summary>
public static class LossCurveSvg
{
    private const int W = 720, H = 400, Left = 64, Right = 24, Top = 36, Bottom = 48;

    public static string Render(LossHistory history, string title = "Training loss")
    {
        ArgumentNullException.ThrowIfNull(history);
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(ci, $"<rect width=\"{W}\" height=\"{H}\" fill=\"#ffffff\"/>\n");
        sb.Append(ci, $"<text x=\"{W / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");

        var train = history.Train.Where(p => double.IsFinite(p.Loss)).ToList();
        var val = history.Val.Where(v => v.Perplexity > 0 && double.IsFinite(v.Perplexity)).Select(v => (v.Step, Loss: Math.Log(v.Perplexity))).ToList();
        if (train.Count == 0 && val.Count == 0)
        {
            sb.Append(ci, $"<text x=\"{W / 2}\" y=\"{H / 2}\" text-anchor=\"middle\" fill=\"#666666\">No optimizer steps were taken.</text>\n</svg>\n");
            return sb.ToString();
        }

        double xMax = Math.Max(1, train.Select(p => p.Step).Concat(val.Select(v => v.Step)).Max());
        var ys = train.Select(p => p.Loss).Concat(val.Select(v => v.Loss)).ToList();
        double yMin = Math.Min(0, ys.Min()), yMax = ys.Max();
        if (yMax - yMin < 1e-9) yMax = yMin + 1;
        var yTicks = NiceTicks(yMin, yMax, 5);
        yMin = Math.Min(yMin, yTicks[0]); yMax = Math.Max(yMax, yTicks[^1]);
        var xTicks = NiceTicks(0, xMax, 6).Where(t => t <= xMax + 1e-9).ToList();

        double X(double step) => Left + step / xMax * (W - Left - Right);
        double Y(double loss) => H - Bottom - (loss - yMin) / (yMax - yMin) * (H - Top - Bottom);

        // Axes and grid.
        sb.Append(ci, $"<g stroke=\"#999999\" stroke-width=\"1\">\n<line x1=\"{Left}\" y1=\"{H - Bottom}\" x2=\"{W - Right}\" y2=\"{H - Bottom}\"/>\n<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{H - Bottom}\"/>\n</g>\n");
        sb.Append("<g class=\"y-ticks\">\n");
        foreach (var t in yTicks)
            sb.Append(ci, $"<line x1=\"{Left - 4}\" y1=\"{Y(t):F1}\" x2=\"{W - Right}\" y2=\"{Y(t):F1}\" stroke=\"#eeeeee\"/><text x=\"{Left - 8}\" y=\"{Y(t) + 4:F1}\" text-anchor=\"end\">{Fmt(t)}</text>\n");
        sb.Append("</g>\n<g class=\"x-ticks\">\n");
        foreach (var t in xTicks)
            sb.Append(ci, $"<line x1=\"{X(t):F1}\" y1=\"{H - Bottom}\" x2=\"{X(t):F1}\" y2=\"{H - Bottom + 4}\" stroke=\"#999999\"/><text x=\"{X(t):F1}\" y=\"{H - Bottom + 18}\" text-anchor=\"middle\">{Fmt(t)}</text>\n");
        sb.Append("</g>\n");
        sb.Append(ci, $"<text x=\"{(Left + W - Right) / 2}\" y=\"{H - 10}\" text-anchor=\"middle\">step</text>\n");
        sb.Append(ci, $"<text x=\"16\" y=\"{(Top + H - Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + H - Bottom) / 2})\">loss</text>\n");

        if (train.Count > 0)
        {
            sb.Append("<polyline class=\"train\" fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.5\" points=\"");
            sb.AppendJoin(' ', train.Select(p => string.Create(ci, $"{X(p.Step):F1},{Y(p.Loss):F1}")));
            sb.Append("\"/>\n");
        }
        foreach (var (step, loss) in val)
            sb.Append(ci, $"<circle class=\"val\" cx=\"{X(step):F1}\" cy=\"{Y(loss):F1}\" r=\"4\" fill=\"#dc2626\"><title>val loss {Fmt(loss)} at step {step}</title></circle>\n");

        // Legend.
        sb.Append(ci, $"<g transform=\"translate({W - Right - 150},{Top + 4})\"><line x1=\"0\" y1=\"6\" x2=\"18\" y2=\"6\" stroke=\"#2563eb\" stroke-width=\"2\"/><text x=\"24\" y=\"10\">train loss</text>");
        sb.Append("<circle cx=\"9\" cy=\"24\" r=\"4\" fill=\"#dc2626\"/><text x=\"24\" y=\"28\">val loss (ln ppl)</text></g>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Ticks at 1, 2 or 5 × 10^k covering [lo, hi] with about <paramref name="count"/> intervals.</summary>
    public static IReadOnlyList<double> NiceTicks(double lo, double hi, int count)
    {
        if (!(hi > lo)) return [lo];
        double raw = (hi - lo) / Math.Max(1, count);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * mag).First(s => s >= raw - 1e-12);
        double start = Math.Floor(lo / step) * step, end = Math.Ceiling(hi / step) * step;
        var ticks = new List<double>();
        for (double t = start; t <= end + step * 1e-9; t += step) ticks.Add(Math.Round(t / step) * step);
        return ticks;
    }

    private static string Fmt(double v) => Math.Abs(v) >= 1000 || v == Math.Floor(v)
        ? v.ToString("0.##", CultureInfo.InvariantCulture)
        : v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
