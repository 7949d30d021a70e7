using System.Globalization;
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

        request = o.ImportPolicy.Apply(request);
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
