using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Ingestion;

/// <summary>One line of input with where it came from (1-based line number).</summary>
public readonly record struct RawRecord(string Source, long Line, string Text);

/// <summary>Values the preprocessing filled in because the record lacked them (documented policy).</summary>
[Flags]
public enum FilledFields
{
    None = 0,
    TransactionId = 1,
    Currency = 2,
    Timestamp = 4,
}

/// <summary>A rejected record: where, what (truncated), which field, why. Written to the dead-letter output.</summary>
public sealed record DeadLetter(string Source, long Line, string Raw, string Field, string Reason)
{
    public const int MaxRawLength = 512;

    public static DeadLetter Of(RawRecord record, string field, string reason) =>
        new(record.Source, record.Line, Truncate(record.Text), field, reason);

    public static string Truncate(string text) => text.Length <= MaxRawLength ? text : text[..MaxRawLength] + "…";
}

/// <summary>A record that passed preprocessing: a request for the accounts, plus evaluation labels kept aside.</summary>
/// <param name="IsFraud">PaySim label: never given to the rules, only to the evaluation.</param>
/// <param name="IsFlaggedFraud">PaySim's own rule, the evaluation's baseline.</param>
public sealed record NormalisedTransaction(
    TransactionRequest Request,
    string Source,
    long Line,
    FilledFields Filled,
    int? Step = null,
    bool? IsFraud = null,
    bool? IsFlaggedFraud = null)
{
    /// <summary>PaySim: a debit above the reported old balance (an inconsistency of the data set, not a risk signal).</summary>
    public bool ReportedBalanceTooLow { get; init; }
}

public enum ParseKind
{
    Transaction,
    DeadLetter,

    /// <summary>A header or blank line: not a record, not counted as read.</summary>
    Skipped,
}

public readonly record struct ParseResult(ParseKind Kind, NormalisedTransaction? Transaction, DeadLetter? DeadLetter)
{
    public static ParseResult Ok(NormalisedTransaction t) => new(ParseKind.Transaction, t, null);
    public static ParseResult Reject(RawRecord r, string field, string reason) => new(ParseKind.DeadLetter, null, DeadLetter.Of(r, field, reason));
    public static readonly ParseResult Skip = new(ParseKind.Skipped, null, null);
}

/// <summary>Preprocessing policy. See docs/INGESTION.md.</summary>
public sealed record IngestionOptions
{
    /// <summary>Currency of records that carry none (PaySim amounts are in one local currency).</summary>
    public string DefaultCurrency { get; init; } = "USD";

    /// <summary>PaySim step 1 starts here; a step is one hour.</summary>
    public DateTimeOffset PaySimEpoch { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Longer lines are rejected without being parsed.</summary>
    public int MaxLineLength { get; init; } = 64 * 1024;

    /// <summary>Amounts above this (in minor units) are out of range: 10^13 = 100 billion in a 2-decimal currency.</summary>
    public long MaxAmountMinor { get; init; } = 10_000_000_000_000;

    /// <summary>PaySim steps outside 1..MaxStep are out of range (the simulation has 743).</summary>
    public int MaxStep { get; init; } = 10_000;

    /// <summary>Generic CSV: header name for each field.</summary>
    public CsvMapping Csv { get; init; } = CsvMapping.Default;

    /// <summary>Ingest time for records without a timestamp (JSON Lines, generic CSV); flagged when used.</summary>
    public Func<long> Clock { get; init; } = () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>A record whose event time is further than this ahead of <see cref="Clock"/> is rejected (field <c>timestamp</c>).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = DefaultMaxFutureSkew;

    /// <summary>How a record opens an account it is the first to reach; strict unless the run or request says otherwise.</summary>
    public ImportPolicy ImportPolicy { get; init; } = ImportPolicy.Strict;

    public static readonly TimeSpan DefaultMaxFutureSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The node's window horizon: a record older than its retention behind the newest event time the windows have seen
    /// is rejected (field <c>timestamp</c>). None: no lower bound (offline tools that feed no windows).
    /// </summary>
    public EventTimeHorizon? Horizon { get; init; }
}

/// <summary>Generic CSV: which header names hold which field. Missing optional columns are filled by policy.</summary>
public sealed record CsvMapping(
    string TransactionId = "id",
    string AccountId = "account",
    string Type = "type",
    string Amount = "amount",
    string Currency = "currency",
    string Counterparty = "counterparty",
    string Timestamp = "timestamp",
    string OpeningBalance = "openingBalance")
{
    public static readonly CsvMapping Default = new();
}

public interface IRecordParser
{
    ParseResult Parse(RawRecord record);
}
