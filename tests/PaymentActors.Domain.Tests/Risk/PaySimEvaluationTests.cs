using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Risk;
using PaymentActors.Testing;

namespace PaymentActors.Domain.Tests.Risk;

public sealed class PaySimEvaluationTests
{
    /// <summary>Measured figures of the default rule set: a regression changes them and fails here.</summary>
    [Fact]
    public void The_default_rules_reach_the_recall_and_precision_targets_on_the_bundled_sample()
    {
        var path = Path.Combine(RepoPaths.Root, "samples", "paysim-10k.csv");
        var parser = new PaySimParser(new IngestionOptions());
        var transactions = File.ReadLines(path).Select((l, i) => parser.Parse(new RawRecord(path, i + 1, l)))
            .Where(r => r.Kind == ParseKind.Transaction).Select(r => r.Transaction!).ToList();
        var result = InMemoryRiskEvaluation.Run(transactions, RuleSet.Default);
        Assert.Equal((486, 3, 14, 9497), (result.TruePositives, result.FalsePositives, result.FalseNegatives, result.TrueNegatives));
        Assert.True(result.Recall >= 0.90 && result.Precision >= 0.80, System.Text.Json.JsonSerializer.Serialize(result));
        Assert.True(result.BaselineRecall < 0.01); // PaySim's own rule (TRANSFER over 200,000) catches almost nothing
    }
}
