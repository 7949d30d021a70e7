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

        // Dated too far ahead of the clock or too far behind the windows' data: refused here, before it reaches an account.
        if (EventTimeRules.Check(request.EventTimeMs, o.Clock(), o.MaxFutureSkew, o.Horizon) is { } eventTime)
        {
            return ParseResult.Reject(r, "timestamp", eventTime);
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
