using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Risk;

/// <summary>What risk control says about one transaction.</summary>
public enum RiskAction : byte
{
    Approve = 0,

    /// <summary>Apply, and raise an alert.</summary>
    Flag = 1,

    /// <summary>Block: nothing is applied.</summary>
    Decline = 2,
}

public sealed record RiskAssessment(RiskAction Action, IReadOnlyList<RuleHit> Hits)
{
    public static readonly RiskAssessment Clean = new(RiskAction.Approve, []);
}

/// <summary>
/// Decides the risk of a transaction from the account's own state, before anything is persisted.
/// Must be pure and fast: it runs inside the account actor on every transaction.
/// </summary>
public interface IRiskEvaluator
{
    RiskAssessment Evaluate(AccountState account, TransactionRequest request);
}

public sealed class NoRisk : IRiskEvaluator
{
    public static readonly NoRisk Instance = new();

    public RiskAssessment Evaluate(AccountState account, TransactionRequest request) => RiskAssessment.Clean;
}
