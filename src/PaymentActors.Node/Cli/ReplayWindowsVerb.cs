using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Node.Cli;

/// <summary>
/// Core of the <c>replay-windows</c> command: replays JSON Lines of events and watermarks through a
/// <see cref="WindowOperator{TKey, TValue, TAgg}"/> aggregating the sum and count of <c>value</c> per key per window.
/// </summary>
/// <remarks>
/// <para>Usage: <c>replay-windows --window tumbling:SIZE | sliding:SIZE/SLIDE | session:GAP [--lateness L]
/// [--trigger accumulating|purging] [--late-output]</c>. Options may also be written <c>--name=value</c>.
/// The window maths is the Domain's <see cref="WindowOperator{TKey, TValue, TAgg}"/>; this is only its command-line face.</para>
/// <para>Input lines (processed in order; blank lines skipped; unknown or duplicate fields rejected):
/// <c>{"key":"k1","value":1,"ts":3999}</c> (an event), <c>{"watermark":2999}</c> (advance the watermark),
/// <c>{"restore":true}</c> (snapshot the operator, serialize the snapshot to JSON and back, and continue on an
/// operator restored from it).</para>
/// <para>Output lines: firings <c>{"key":"k1","start":0,"end":3000,"sum":3,"count":3}</c> (late firings too),
/// the watermark echoed after the firings it caused, <c>{"late":{"key":"k1","value":1,"ts":1998}}</c> for late
/// events with <c>--late-output</c>, and finally <c>{"lateDropped":N}</c>. Windows are not flushed at end of input.</para>
/// <para>Exit codes: 0 success; 2 bad arguments or bad input (the message on stderr names the line).</para>
/// </remarks>
public static class ReplayWindowsVerb
{
    /// <summary>Exit code for success.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code for bad arguments or bad input.</summary>
    public const int ExitBadInput = 2;

    private static readonly JsonSerializerOptions SnapshotJson = new(JsonSerializerDefaults.General);

    /// <summary>The <c>replay-windows</c> verb on the process's stdin and stdout.</summary>
    public static Command Command() => Define((options, _) => Execute(options, Console.In, Console.Out, Console.Error));

    private static Command Define(Func<WindowOperatorOptions, CancellationToken, int> run)
    {
        var command = new Command("replay-windows", "JSON Lines of events and watermarks on stdin → window firings on stdout");
        var window = new Option<WindowSpec>("--window")
        {
            Description = "tumbling:SIZE | sliding:SIZE/SLIDE | session:GAP (milliseconds)",
            Required = true,
            CustomParser = r =>
            {
                if (TryParseWindow(r.Tokens.Single().Value, out var spec, out var error))
                {
                    return spec;
                }

                r.AddError(error!);
                return null;
            },
        };
        var lateness = new Option<long>("--lateness")
        {
            Description = "allowed lateness in milliseconds (default 0)",
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (TryParseLong(text, out var value) && value >= 0)
                {
                    return value;
                }

                r.AddError($"--lateness must be an integer >= 0 (milliseconds), got '{text}'");
                return 0;
            },
        };
        var trigger = new Option<WindowTrigger>("--trigger")
        {
            HelpName = "accumulating|purging",
            Description = "accumulating | purging (default accumulating)",
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                switch (text)
                {
                    case "accumulating": return WindowTrigger.Accumulating;
                    case "purging": return WindowTrigger.Purging;
                    default:
                        r.AddError($"--trigger must be 'accumulating' or 'purging', got '{text}'");
                        return WindowTrigger.Accumulating;
                }
            },
        };
        var lateOutput = new Option<bool>("--late-output") { Description = "print late events as {\"late\":…} instead of dropping them" };
        command.Options.Add(window);
        command.Options.Add(lateness);
        command.Options.Add(trigger);
        command.Options.Add(lateOutput);
        command.SetAction((parse, cancel) => Task.FromResult(run(
            new WindowOperatorOptions(parse.GetValue(window)!, parse.GetValue(lateness), parse.GetValue(trigger), parse.GetValue(lateOutput)), cancel)));
        return command;
    }

    /// <summary>Runs the command in-process with the arguments that follow the verb (tests): parse errors as the CLI prints them.</summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var root = new RootCommand { Define((options, _) => Execute(options, stdin, stdout, stderr)) };
        var parse = root.Parse(["replay-windows", .. args]);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine($"error: {parse.Errors[0].Message}");
            return ExitBadInput;
        }

        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
    }

    private static int Execute(WindowOperatorOptions options, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var op = new WindowOperator<string, long, SumCount>(options, SumCountAggregator.Instance);
        var firings = new List<WindowFiring<string, SumCount>>();
        var sb = new StringBuilder(128);
        long lineNo = 0;
        string? line;
        while ((line = stdin.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (!TryParseLine(line, out var input, out var lineError))
            {
                stderr.WriteLine($"replay-windows: line {lineNo}: {lineError}");
                return ExitBadInput;
            }

            try
            {
                switch (input.Kind)
                {
                    case InputKind.Event:
                        firings.Clear();
                        var outcome = op.OnEvent(input.Key!, input.Value, input.Ts, firings);
                        WriteFirings(stdout, sb, firings);
                        if (outcome == EventOutcome.LateSideOutput)
                        {
                            sb.Clear().Append("{\"late\":{\"key\":");
                            AppendJsonString(sb, input.Key!);
                            sb.Append(",\"value\":").Append(input.Value.ToString(CultureInfo.InvariantCulture))
                              .Append(",\"ts\":").Append(input.Ts.ToString(CultureInfo.InvariantCulture)).Append("}}");
                            WriteLine(stdout, sb);
                        }

                        break;
                    case InputKind.Watermark:
                        firings.Clear();
                        op.OnWatermark(input.Ts, firings);
                        WriteFirings(stdout, sb, firings);
                        sb.Clear().Append("{\"watermark\":").Append(input.Ts.ToString(CultureInfo.InvariantCulture)).Append('}');
                        WriteLine(stdout, sb);
                        break;
                    case InputKind.Restore:
                        op = RoundTrip(op);
                        break;
                }
            }
            catch (WatermarkRegressionException ex)
            {
                stderr.WriteLine($"replay-windows: line {lineNo}: {ex.Message}");
                return ExitBadInput;
            }
            catch (OverflowException)
            {
                stderr.WriteLine($"replay-windows: line {lineNo}: sum of values overflows a 64-bit integer");
                return ExitBadInput;
            }
            catch (ArgumentOutOfRangeException)
            {
                stderr.WriteLine($"replay-windows: line {lineNo}: timestamp {input.Ts} is too close to the limits of a 64-bit integer for its windows");
                return ExitBadInput;
            }
        }

        sb.Clear().Append("{\"lateDropped\":").Append(op.LateDroppedCount.ToString(CultureInfo.InvariantCulture)).Append('}');
        WriteLine(stdout, sb);
        stdout.Flush();
        return ExitOk;
    }

    /// <summary>Snapshot → JSON text → snapshot → new operator, exactly what a persisted checkpoint goes through.</summary>
    internal static WindowOperator<string, long, SumCount> RoundTrip(WindowOperator<string, long, SumCount> op)
    {
        string json = JsonSerializer.Serialize(op.Snapshot(), SnapshotJson);
        var snapshot = JsonSerializer.Deserialize<WindowOperatorSnapshot<string, SumCount>>(json, SnapshotJson)
            ?? throw new InvalidOperationException("snapshot deserialized to null");
        return WindowOperator<string, long, SumCount>.Restore(snapshot, SumCountAggregator.Instance);
    }

    private static void WriteFirings(TextWriter stdout, StringBuilder sb, List<WindowFiring<string, SumCount>> firings)
    {
        foreach (var f in firings)
        {
            sb.Clear().Append("{\"key\":");
            AppendJsonString(sb, f.Key);
            sb.Append(",\"start\":").Append(f.Start.ToString(CultureInfo.InvariantCulture))
              .Append(",\"end\":").Append(f.End.ToString(CultureInfo.InvariantCulture))
              .Append(",\"sum\":").Append(f.Aggregate.Sum.ToString(CultureInfo.InvariantCulture))
              .Append(",\"count\":").Append(f.Aggregate.Count.ToString(CultureInfo.InvariantCulture)).Append('}');
            WriteLine(stdout, sb);
        }
    }

    private static void WriteLine(TextWriter w, StringBuilder sb)
    {
        sb.Append('\n');
        w.Write(sb);
    }

    private static void AppendJsonString(StringBuilder sb, string s)
    {
        sb.Append('"').Append(JsonEncodedText.Encode(s, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value).Append('"');
    }

    // ---------------------------------------------------------------- arguments

    internal static bool TryParseWindow(string text, out WindowSpec? spec, out string? error)
    {
        spec = null;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? text : text[..colon];
        string rest = colon < 0 ? string.Empty : text[(colon + 1)..];
        switch (kind)
        {
            case "tumbling":
                if (!TryParseLong(rest, out long size) || size <= 0)
                {
                    error = $"--window tumbling:SIZE needs an integer SIZE > 0, got '{text}'";
                    return false;
                }

                spec = WindowSpec.Tumbling(size);
                break;
            case "sliding":
                int slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0 || !TryParseLong(rest[..slash], out long sSize) || !TryParseLong(rest[(slash + 1)..], out long slide))
                {
                    error = $"--window sliding:SIZE/SLIDE needs two integers, got '{text}'";
                    return false;
                }

                if (sSize <= 0 || slide <= 0)
                {
                    error = $"--window sliding: SIZE and SLIDE must be > 0, got '{text}'";
                    return false;
                }

                if (slide > sSize)
                {
                    error = $"--window sliding: SLIDE must not exceed SIZE, got '{text}'";
                    return false;
                }

                spec = WindowSpec.Sliding(sSize, slide);
                break;
            case "session":
                if (!TryParseLong(rest, out long gap) || gap <= 0)
                {
                    error = $"--window session:GAP needs an integer GAP > 0, got '{text}'";
                    return false;
                }

                spec = WindowSpec.Session(gap);
                break;
            default:
                error = $"--window must be tumbling:SIZE, sliding:SIZE/SLIDE or session:GAP, got '{text}'";
                return false;
        }

        error = null;
        return true;
    }

    private static bool TryParseLong(string s, out long value) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    // ---------------------------------------------------------------- input lines

    private enum InputKind
    {
        Event,
        Watermark,
        Restore,
    }

    private readonly record struct InputLine(InputKind Kind, string? Key, long Value, long Ts);

    private static bool TryParseLine(string line, out InputLine input, out string? error)
    {
        input = default;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON: {ex.Message}";
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"expected a JSON object, got {Describe(root.ValueKind)}";
                return false;
            }

            JsonElement? key = null, value = null, ts = null, watermark = null, restore = null;
            foreach (var p in root.EnumerateObject())
            {
                ref JsonElement? slot = ref key;
                switch (p.Name)
                {
                    case "key": slot = ref key; break;
                    case "value": slot = ref value; break;
                    case "ts": slot = ref ts; break;
                    case "watermark": slot = ref watermark; break;
                    case "restore": slot = ref restore; break;
                    default:
                        error = $"unknown field '{p.Name}'";
                        return false;
                }

                if (slot is not null)
                {
                    error = $"duplicate field '{p.Name}'";
                    return false;
                }

                slot = p.Value;
            }

            bool isEvent = key is not null || value is not null || ts is not null;
            int kinds = (isEvent ? 1 : 0) + (watermark is not null ? 1 : 0) + (restore is not null ? 1 : 0);
            if (kinds == 0)
            {
                error = "expected an event {\"key\",\"value\",\"ts\"}, a {\"watermark\"} or a {\"restore\":true} line";
                return false;
            }

            if (kinds > 1)
            {
                error = "a line must be exactly one of: an event, a watermark, a restore";
                return false;
            }

            if (watermark is { } wm)
            {
                if (!TryGetInteger(wm, out long w))
                {
                    error = $"field 'watermark' must be an integer, got {Describe(wm)}";
                    return false;
                }

                input = new InputLine(InputKind.Watermark, null, 0, w);
                error = null;
                return true;
            }

            if (restore is { } r)
            {
                if (r.ValueKind != JsonValueKind.True)
                {
                    error = $"field 'restore' must be true, got {Describe(r)}";
                    return false;
                }

                input = new InputLine(InputKind.Restore, null, 0, 0);
                error = null;
                return true;
            }

            if (key is null) { error = "event is missing field 'key'"; return false; }
            if (value is null) { error = "event is missing field 'value'"; return false; }
            if (ts is null) { error = "event is missing field 'ts'"; return false; }
            if (key.Value.ValueKind != JsonValueKind.String)
            {
                error = $"field 'key' must be a string, got {Describe(key.Value)}";
                return false;
            }

            if (!TryGetInteger(value.Value, out long v))
            {
                error = $"field 'value' must be an integer, got {Describe(value.Value)}";
                return false;
            }

            if (!TryGetInteger(ts.Value, out long t))
            {
                error = $"field 'ts' must be an integer, got {Describe(ts.Value)}";
                return false;
            }

            input = new InputLine(InputKind.Event, key.Value.GetString()!, v, t);
            error = null;
            return true;
        }
    }

    private static bool TryGetInteger(JsonElement e, out long value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out value);
    }

    private static string Describe(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number ? $"the number {e.GetRawText()} (not a 64-bit integer)" : Describe(e.ValueKind);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
