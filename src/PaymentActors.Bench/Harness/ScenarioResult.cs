using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HdrHistogram;

namespace PaymentActors.Bench.Harness;

/// <summary>One scenario's figures: a readable table for people, and one JSON line for tools.</summary>
public sealed class ScenarioResult(string scenario)
{
    private readonly List<(string Name, string Value)> _rows = [];
    private readonly JsonObject _json = new() { ["scenario"] = scenario };

    public string Scenario => scenario;

    public ScenarioResult Rate(double txPerSecond)
    {
        _json["tx_per_s"] = Math.Round(txPerSecond, 1);
        _rows.Add(("tx/s", txPerSecond.ToString("N0", CultureInfo.InvariantCulture)));
        return this;
    }

    public ScenarioResult Latency(LongHistogram histogram)
    {
        double Ms(double percentile) => histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;
        _json["p50_ms"] = Math.Round(Ms(50), 3);
        _json["p99_ms"] = Math.Round(Ms(99), 3);
        _json["p999_ms"] = Math.Round(Ms(99.9), 3);
        _rows.Add(("p50 / p99 / p99.9 ms", $"{Ms(50):F2} / {Ms(99):F2} / {Ms(99.9):F2}"));
        return this;
    }

    public ScenarioResult NoLatency()
    {
        _json["p50_ms"] = null;
        _json["p99_ms"] = null;
        return this;
    }

    public ScenarioResult Limit(double limitPerSecond, double txPerSecond)
    {
        _json["limit_per_s"] = Math.Round(limitPerSecond, 1);
        _json["ratio"] = limitPerSecond > 0 ? Math.Round(txPerSecond / limitPerSecond, 3) : null;
        _rows.Add(("limit/s (same run)", limitPerSecond.ToString("N0", CultureInfo.InvariantCulture)));
        _rows.Add(("ratio", limitPerSecond > 0 ? (txPerSecond / limitPerSecond).ToString("F3", CultureInfo.InvariantCulture) : "n/a"));
        return this;
    }

    public ScenarioResult Add(string name, double value, string? display = null)
    {
        _json[name] = Math.Round(value, 3);
        _rows.Add((name, display ?? value.ToString("N2", CultureInfo.InvariantCulture)));
        return this;
    }

    public ScenarioResult Add(string name, string value)
    {
        _json[name] = value;
        _rows.Add((name, value));
        return this;
    }

    /// <summary>The scenario could not run here (e.g. no PostgreSQL server): the reason, in the table and in the JSON.</summary>
    public ScenarioResult Skipped(string reason)
    {
        _json["skipped"] = true;
        _json["reason"] = reason;
        _json["tx_per_s"] = null;
        _json["p50_ms"] = null;
        _json["p99_ms"] = null;
        _rows.Add(("result", "skipped: " + reason));
        return this;
    }

    /// <summary>A figure that could not be taken this time: null in the JSON, the reason in the table.</summary>
    public ScenarioResult Missing(string name, string reason)
    {
        _json[name] = null;
        _rows.Add((name, reason));
        return this;
    }

    /// <summary>A line of the table only (what a figure means, what it is compared with); nothing in the JSON.</summary>
    public ScenarioResult Note(string name, string text)
    {
        _rows.Add((name, text));
        return this;
    }

    /// <summary>A JSON field only (no table row).</summary>
    public ScenarioResult Field(string name, JsonNode? value)
    {
        _json[name] = value;
        return this;
    }

    /// <summary>The scenario failed on the way (an external process or server misbehaved): says how, with null figures.</summary>
    public ScenarioResult Failed(string error)
    {
        _rows.Add(("failed", error));
        _json["failed"] = true;
        _json["error"] = error;
        _json["tx_per_s"] = null;
        return NoLatency();
    }

    public void Print(TextWriter output)
    {
        var width = Math.Max(24, _rows.Count == 0 ? 0 : _rows.Max(r => r.Name.Length) + 2);
        output.WriteLine();
        output.WriteLine($"== {scenario}");
        foreach (var (name, value) in _rows)
        {
            output.WriteLine($"  {name.PadRight(width)}{value}");
        }

        output.WriteLine(ToJson());
    }

    public string ToJson() => _json.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
