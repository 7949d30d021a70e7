using System.Globalization;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Ingestion;

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
