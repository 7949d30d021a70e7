using System.Globalization;
using System.Text.Json;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Ingestion;

/// <summary>Shared checks and fill policy of every parser; every error names its field.</summary>
internal static class RecordRules
{
    public static bool TooLong(RawRecord r, IngestionOptions o, out ParseResult result)
    {
        result = r.Text.Length > o.MaxLineLength
            ? ParseResult.Reject(r, "line", $"line: longer than {o.MaxLineLength} characters")
            : default;
        return r.Text.Length > o.MaxLineLength;
    }

    public static bool HasGarbage(ReadOnlySpan<char> text, out string what)
    {
        foreach (var ch in text)
        {
            if (ch == '\uFFFD')
            {
                what = "invalid UTF-8 (replacement character)";
                return true;
            }

            if (char.IsControl(ch) && ch != '\t')
            {
                what = $"control character U+{(int)ch:X4}";
                return true;
            }
        }

        what = "";
        return false;
    }

    /// <summary>Deterministic id from the file name, the position and the content: a replay of the same file gives the same ids.</summary>
    public static string DerivedId(string prefix, RawRecord r)
    {
        var h = Fnv1a.Append(Fnv1a.Of(Path.GetFileName(r.Source)), r.Text);
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}-{r.Line}-{h:x16}");
    }

    /// <summary>Builds and validates the request; rejections carry the field the validator named.</summary>
    public static ParseResult Finish(RawRecord r, IngestionOptions o, TransactionRequest request, FilledFields filled, int? step = null,
        bool? isFraud = null, bool? isFlagged = null)
    {
        if (request.AmountMinor > o.MaxAmountMinor)
        {
            return ParseResult.Reject(r, "amount", $"amount: {request.AmountMinor} minor units is above the configured maximum {o.MaxAmountMinor}");
        }

        // A record dated ahead of the clock would move every watermark past it and stall the windows for everyone
        // (a year-9999 record once ended all window results): refused here, before it reaches an account.
        var latest = o.Clock() + (long)o.MaxFutureSkew.TotalMilliseconds;
        if (request.EventTimeMs > latest)
        {
            return ParseResult.Reject(r, "timestamp", string.Create(CultureInfo.InvariantCulture,
                $"timestamp: {DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(request.EventTimeMs, 0, 253402300799999)):O} is more than {o.MaxFutureSkew} ahead of this node's clock (max future skew)"));
        }

        // One far behind the data the windows hold would be applied and then counted late forever (or, first on a fresh
        // node, start its watermark years back): refused the same way.
        if (o.Horizon is { } horizon && horizon.IsTooOld(request.EventTimeMs, out var tooOld))
        {
            return ParseResult.Reject(r, "timestamp", tooOld);
        }

        var rejection = TransactionValidation.Validate(request, out _);
        if (rejection is not null)
        {
            var field = rejection.Message.Split(':', 2)[0];
            return ParseResult.Reject(r, field, rejection.Message);
        }

        return ParseResult.Ok(new NormalisedTransaction(request, r.Source, r.Line, filled, step, isFraud, isFlagged));
    }

    public static string TrimCr(string text) => text.Length > 0 && text[^1] == '\r' ? text[..^1] : text;

    /// <summary>The line checks every text format shares: length, CR, blank (skipped), garbage characters.</summary>
    public static bool TryPrepare(RawRecord record, IngestionOptions options, out string text, out ParseResult early)
    {
        text = "";
        if (TooLong(record, options, out early))
        {
            return false;
        }

        text = TrimCr(record.Text);
        if (string.IsNullOrWhiteSpace(text))
        {
            early = ParseResult.Skip;
            return false;
        }

        if (HasGarbage(text, out var garbage))
        {
            early = ParseResult.Reject(record, "line", "line: " + garbage);
            return false;
        }

        early = default;
        return true;
    }
}

/// <summary>
/// PaySim CSV (step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud).
/// Ids are derived (PaySim has none), time = epoch + step hours. Import policy: an account first seen opens with its
/// reported old balance, raised to the amount of a debit when PaySim reports less (its balances are inconsistent by design).
/// </summary>
public sealed class PaySimParser(IngestionOptions options) : IRecordParser
{
    public const string Header = "step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud";
    private const int Columns = 11;

    public ParseResult Parse(RawRecord record)
    {
        if (RecordRules.TooLong(record, options, out var tooLong))
        {
            return tooLong;
        }

        var text = RecordRules.TrimCr(record.Text);
        if (string.IsNullOrWhiteSpace(text) || text.StartsWith("step,", StringComparison.Ordinal))
        {
            return ParseResult.Skip;
        }

        if (RecordRules.HasGarbage(text, out var garbage))
        {
            return ParseResult.Reject(record, "line", "line: " + garbage);
        }

        Span<Range> cols = stackalloc Range[Columns + 1];
        var span = text.AsSpan();
        var count = span.Split(cols, ',');
        if (count != Columns)
        {
            return ParseResult.Reject(record, "line", $"line: {(count > Columns ? "more than " + Columns : count.ToString(CultureInfo.InvariantCulture))} columns, expected {Columns}");
        }

        var currency = options.DefaultCurrency;
        if (!int.TryParse(span[cols[0]], NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1 || step > options.MaxStep)
        {
            return ParseResult.Reject(record, "step", $"step: '{span[cols[0]]}' is not a step in 1..{options.MaxStep}");
        }

        if (!TransactionTypes.TryParse(span[cols[1]], out var type))
        {
            return ParseResult.Reject(record, "type", $"type: '{span[cols[1]]}' is not one of PAYMENT, TRANSFER, CASH_IN, CASH_OUT, DEBIT");
        }

        if (!Currency.TryFind(currency, out var cur, out var error))
        {
            return ParseResult.Reject(record, "currency", error);
        }

        if (!Money.TryParseMinor(span[cols[2]], cur.Exponent, out var amount, out error))
        {
            return ParseResult.Reject(record, "amount", error);
        }

        if (amount <= 0)
        {
            return ParseResult.Reject(record, "amount", $"amount: '{span[cols[2]]}' must be greater than zero");
        }

        if (!Money.TryParseMinor(span[cols[4]], cur.Exponent, out var oldBalance, out error) || oldBalance < 0)
        {
            return ParseResult.Reject(record, "oldbalanceOrg", "oldbalanceOrg: " + (error.Length > 0 ? error[(error.IndexOf(':') + 2)..] : "must not be negative"));
        }

        var isFraud = ParseFlag(span[cols[9]]);
        var isFlagged = ParseFlag(span[cols[10]]);
        if (isFraud is null || isFlagged is null)
        {
            return ParseResult.Reject(record, isFraud is null ? "isFraud" : "isFlaggedFraud", $"{(isFraud is null ? "isFraud" : "isFlaggedFraud")}: must be 0 or 1");
        }

        var origin = span[cols[3]].ToString();
        var destination = span[cols[6]].ToString();
        // An account first seen opens with PaySim's reported old balance. PaySim's balances are inconsistent by
        // design: a debit above the reported balance is marked, and a replay gives imported accounts an import
        // overdraft (AccountPolicy) so such rows are not declined for funds; they are reported separately.
        var opening = oldBalance;
        var inconsistent = !type.IsCredit() && amount > oldBalance;
        var time = options.PaySimEpoch.ToUnixTimeMilliseconds() + (step - 1) * 3_600_000L;
        var request = new TransactionRequest(RecordRules.DerivedId("ps", record), origin, type, amount, cur.Code,
            destination.Length > 0 ? destination : null, time, opening);
        var result = RecordRules.Finish(record, options, request, FilledFields.TransactionId | FilledFields.Currency, step, isFraud, isFlagged);
        return inconsistent && result.Transaction is { } t ? ParseResult.Ok(t with { ReportedBalanceTooLow = true }) : result;
    }

    private static bool? ParseFlag(ReadOnlySpan<char> s) => s.SequenceEqual("1") ? true : s.SequenceEqual("0") ? false : null;
}

/// <summary>
/// JSON Lines: <c>{"id","account","type","amount","currency","counterparty","timestamp","openingBalance"}</c> (docs/INGESTION.md).
/// Amounts are decimal strings or JSON numbers, parsed from their text (never through a binary float).
/// </summary>
public sealed class JsonLinesParser(IngestionOptions options) : IRecordParser
{
    public ParseResult Parse(RawRecord record)
    {
        if (!RecordRules.TryPrepare(record, options, out var text, out var early))
        {
            return early;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return ParseResult.Reject(record, "line", $"line: not valid JSON ({e.Message.Split('.')[0]})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ParseResult.Reject(record, "line", "line: a JSON object is expected");
            }

            var filled = FilledFields.None;
            if (!TryString(root, "account", out var account) || account is null)
            {
                return ParseResult.Reject(record, "account", "account: missing");
            }

            if (!TryString(root, "type", out var typeText) || typeText is null || !TransactionTypes.TryParse(typeText, out var type))
            {
                return ParseResult.Reject(record, "type", $"type: '{typeText}' is not one of PAYMENT, TRANSFER, CASH_IN, CASH_OUT, DEBIT");
            }

            if (!TryString(root, "currency", out var currencyCode))
            {
                return ParseResult.Reject(record, "currency", "currency: must be a string");
            }

            if (currencyCode is null)
            {
                currencyCode = options.DefaultCurrency;
                filled |= FilledFields.Currency;
            }

            if (!Currency.TryFind(currencyCode, out var currency, out var error))
            {
                return ParseResult.Reject(record, "currency", error);
            }

            if (!TryAmount(root, "amount", currency.Exponent, out var amount, out error))
            {
                return ParseResult.Reject(record, "amount", error);
            }

            long? opening = null;
            if (root.TryGetProperty("openingBalance", out var openingElement) && openingElement.ValueKind != JsonValueKind.Null)
            {
                if (!TryAmount(root, "openingBalance", currency.Exponent, out var o, out error))
                {
                    return ParseResult.Reject(record, "openingBalance", error.Replace("amount:", "openingBalance:", StringComparison.Ordinal));
                }

                opening = o;
            }

            if (!TryString(root, "counterparty", out var counterparty))
            {
                return ParseResult.Reject(record, "counterparty", "counterparty: must be a string");
            }

            long time;
            if (!root.TryGetProperty("timestamp", out var ts) || ts.ValueKind == JsonValueKind.Null)
            {
                time = options.Clock();
                filled |= FilledFields.Timestamp;
            }
            else if (!TryTimestamp(ts, out time))
            {
                return ParseResult.Reject(record, "timestamp", $"timestamp: '{ts}' is neither ISO-8601 nor Unix milliseconds");
            }

            if (!TryString(root, "id", out var id))
            {
                return ParseResult.Reject(record, "id", "id: must be a string");
            }

            if (id is null)
            {
                id = RecordRules.DerivedId("jl", record);
                filled |= FilledFields.TransactionId;
            }

            var request = new TransactionRequest(id, account, type, amount, currency.Code, counterparty, time, opening);
            return RecordRules.Finish(record, options, request, filled);
        }
    }

    private static bool TryString(JsonElement root, string name, out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString();
        return true;
    }

    private static bool TryAmount(JsonElement root, string name, int exponent, out long minor, out string error)
    {
        minor = 0;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = $"{name}: missing";
            return false;
        }

        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString() ?? "",
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
        if (text is null)
        {
            error = $"{name}: must be a decimal string or number";
            return false;
        }

        if (!Money.TryParseMinor(text, exponent, out minor, out error))
        {
            return false;
        }

        if (minor <= 0 && name == "amount")
        {
            error = $"amount: '{text}' must be greater than zero";
            return false;
        }

        return true;
    }

    internal static bool TryTimestamp(JsonElement ts, out long ms)
    {
        ms = 0;
        if (ts.ValueKind == JsonValueKind.Number)
        {
            return ts.TryGetInt64(out ms);
        }

        return ts.ValueKind == JsonValueKind.String && Timestamps.TryParse(ts.GetString(), out ms);
    }
}

public static class Timestamps
{
    public static bool TryParse(string? text, out long ms)
    {
        ms = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ms))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
        {
            ms = dto.ToUnixTimeMilliseconds();
            return true;
        }

        return false;
    }
}

/// <summary>Generic CSV with a header row; columns found by the configured <see cref="CsvMapping"/>. RFC 4180 quoting within a line.</summary>
public sealed class CsvParser(IngestionOptions options) : IRecordParser
{
    private Dictionary<string, int>? _columns;

    public ParseResult Parse(RawRecord record)
    {
        if (!RecordRules.TryPrepare(record, options, out var text, out var early))
        {
            return early;
        }

        if (!TrySplit(text, out var fields, out var error))
        {
            return ParseResult.Reject(record, "line", error);
        }

        if (_columns is null)
        {
            _columns = fields.Select((name, i) => (name.Trim(), i)).GroupBy(x => x.Item1, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First().i, StringComparer.OrdinalIgnoreCase);
            var m = options.Csv;
            foreach (var required in new[] { m.AccountId, m.Type, m.Amount })
            {
                if (!_columns.ContainsKey(required))
                {
                    _columns = null;
                    return ParseResult.Reject(record, "header", $"header: column '{required}' is missing (mapping: account={m.AccountId}, type={m.Type}, amount={m.Amount})");
                }
            }

            return ParseResult.Skip;
        }

        if (fields.Count != _columns.Count)
        {
            return ParseResult.Reject(record, "line", $"line: {fields.Count} columns, the header has {_columns.Count}");
        }

        // Re-encode as a JSON Lines record so both formats share one set of rules.
        var map = options.Csv;
        string? Get(string column) => _columns.TryGetValue(column, out var i) && fields[i].Length > 0 ? fields[i] : null;
        var json = new Dictionary<string, object?>
        {
            ["id"] = Get(map.TransactionId),
            ["account"] = Get(map.AccountId),
            ["type"] = Get(map.Type),
            ["amount"] = Get(map.Amount),
            ["currency"] = Get(map.Currency),
            ["counterparty"] = Get(map.Counterparty),
            ["timestamp"] = Get(map.Timestamp),
            ["openingBalance"] = Get(map.OpeningBalance),
        };
        var result = new JsonLinesParser(options).Parse(record with { Text = JsonSerializer.Serialize(json) });
        return result.Kind == ParseKind.DeadLetter
            ? ParseResult.Reject(record, result.DeadLetter!.Field, result.DeadLetter.Reason)
            : result.Transaction!.Filled.HasFlag(FilledFields.TransactionId)
                ? ParseResult.Ok(result.Transaction with
                {
                    Request = result.Transaction.Request with { TransactionId = RecordRules.DerivedId("csv", record) },
                })
                : result;
    }

    private static bool TrySplit(string line, out List<string> fields, out string error)
    {
        fields = [];
        error = "";
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"')
                    {
                        current.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    current.Append(ch);
                }
            }
            else if (ch == '"' && current.Length == 0)
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }

        if (quoted)
        {
            error = "line: unterminated quoted field";
            return false;
        }

        fields.Add(current.ToString());
        return true;
    }
}
