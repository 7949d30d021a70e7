using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Ingestion;

/// <summary>
/// How an ingested record opens an account it is the first to reach. Chosen per run or request (<c>demo</c>,
/// <c>ingest --import-policy</c>, <c>POST /transactions?importPolicy=</c>); the default is <see cref="Strict"/>.
/// </summary>
public enum ImportPolicy
{
    /// <summary>The account opens with the record's <c>openingBalance</c> (0 without one) and no overdraft: a debit beyond it is declined.</summary>
    Strict,

    /// <summary>
    /// As <see cref="Strict"/>, and the account opens with the import overdraft (<see cref="ImportPolicies.ImportOverdraftMinor"/>):
    /// imported ledgers such as PaySim report balances that do not add up, and their debits are not declined for funds.
    /// </summary>
    ImportOverdraft,
}

public static class ImportPolicies
{
    /// <summary>10^13 minor units: above any amount a record may carry (<see cref="IngestionOptions.MaxAmountMinor"/>).</summary>
    public const long ImportOverdraftMinor = 10_000_000_000_000;

    /// <summary>The spellings the CLI and the HTTP API accept, as they print them.</summary>
    public static readonly IReadOnlyList<string> Names = ["strict", "import-overdraft"];

    public static bool TryParse(string? text, out ImportPolicy policy)
    {
        policy = ImportPolicy.Strict;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "strict":
                return true;
            case "import-overdraft":
                policy = ImportPolicy.ImportOverdraft;
                return true;
            default:
                return false;
        }
    }

    public static string ToWire(this ImportPolicy policy) => policy == ImportPolicy.ImportOverdraft ? "import-overdraft" : "strict";

    /// <summary>The request as this policy opens its account: with the import overdraft, or unchanged.</summary>
    public static TransactionRequest Apply(this ImportPolicy policy, TransactionRequest request) =>
        policy == ImportPolicy.ImportOverdraft ? request with { OpeningOverdraftMinor = ImportOverdraftMinor } : request;
}
