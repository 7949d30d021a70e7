namespace PaymentActors.Node.Hosting;

/// <summary>The rule set a node starts with: <c>--rules FILE</c> (docs/RISK.md), or the shipped defaults.</summary>
public static class RiskRulesFile
{
    public static Domain.Risk.RuleSet Load(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return Domain.Risk.RuleSet.Default;
        }

        if (!File.Exists(path))
        {
            throw new CliException($"--rules: file '{path}' does not exist");
        }

        return Domain.Risk.RuleSet.TryParse(File.ReadAllText(path), out var set, out var error)
            ? set
            : throw new CliException($"--rules: {error}");
    }
}
