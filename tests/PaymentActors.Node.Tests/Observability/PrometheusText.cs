using System.Globalization;
using System.Text.RegularExpressions;

namespace PaymentActors.Node.Tests.Observability;

/// <summary>
/// A strict reader of Prometheus' text exposition format (version 0.0.4): every line must be a comment
/// (<c># HELP</c>, <c># TYPE</c> with a known type, <c># EOF</c>) or a sample <c>name{label="value",…} number</c>.
/// Samples are keyed by name and their labels (sorted, without OpenTelemetry's scope labels).
/// </summary>
public static partial class PrometheusText
{
    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0 || line == "# EOF")
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                Assert.True(parts.Length >= 3 && parts[1] is "HELP" or "TYPE" && NamePattern().IsMatch(parts[2]), $"line {lineNumber}: bad comment: {line}");
                if (parts[1] == "TYPE")
                {
                    Assert.True(parts.Length == 4 && Types.Contains(parts[3]), $"line {lineNumber}: unknown type: {line}");
                }

                continue;
            }

            var match = SamplePattern().Match(line);
            Assert.True(match.Success, $"line {lineNumber}: not a sample: {line}");
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPattern().Matches(match.Groups["labels"].Value))
            {
                if (!label.Groups["name"].Value.StartsWith("otel_scope_", StringComparison.Ordinal))
                {
                    labels[label.Groups["name"].Value] = label.Groups["value"].Value;
                }
            }

            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples[Key(match.Groups["name"].Value, labels)] = value;
        }

        return samples;
    }

    /// <summary>The key of a sample: <c>name{a="1",b="2"}</c> with labels sorted by name.</summary>
    public static string Key(string name, IEnumerable<KeyValuePair<string, string>> labels)
    {
        var list = labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"").ToList();
        return list.Count == 0 ? name : $"{name}{{{string.Join(",", list)}}}";
    }

    public static string Key(string name, params (string Name, string Value)[] labels) =>
        Key(name, labels.Select(l => new KeyValuePair<string, string>(l.Name, l.Value)));

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\]|\\.)*"",?)*)\})?[ \t]+(?<value>[-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|Inf|NaN))([ \t]+-?[0-9]+)?$")]
    private static partial Regex SamplePattern();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>([^""\\]|\\.)*)""")]
    private static partial Regex LabelPattern();
}
