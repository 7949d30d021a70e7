using PaymentActors.Domain.Risk;

namespace PaymentActors.Cluster.Risk;

/// <summary>
/// The rule set in force on this node. Account actors read <see cref="Current"/> on every decision;
/// a rule update swaps the reference atomically, so a decision sees one consistent rule set.
/// </summary>
public sealed class RiskRulesHolder(IRiskEvaluator initial)
{
    private volatile IRiskEvaluator _current = initial;

    public IRiskEvaluator Current => _current;

    public void Replace(IRiskEvaluator next) => _current = next;

    public static RiskRulesHolder None() => new(NoRisk.Instance);
}
